import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedVectorStore } from '../src/embedded';

// Crash safety as a property: a writer doing random upserts, deletes and checkpoints is killed with
// SIGKILL at a random moment, 50 times over the same directory; after each kill the collection must
// hold exactly what was acknowledged — except the one operation in flight, which may or may not have
// landed — and the next writer carries on from there (reopening after a torn write).
const ITERATIONS = 50;

/** id → version stored, or null for absent. */
type Model = Map<string, number | null>;

interface Run {
  acked: Array<{ op: string; id: string; version: number }>;
  pending: { op: string; id: string; version: number } | undefined;
}

function runUntilKilled(dir: string, seed: number, firstVersion: number, killAfterAcks: number, jitterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(__dirname, 'crash-property-writer.ts'), dir, String(seed), String(firstVersion)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { acked: [], pending: undefined };
    let buffer = '';
    let stderr = '';
    let killing = false;
    const kill = () => {
      if (killing) return;
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), jitterMs);
    };
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [word, op, id, version] = line.split(' ');
        if (word === 'begin') run.pending = { op: op!, id: id!, version: Number(version) };
        else if (word === 'ack' && run.pending) {
          run.acked.push(run.pending);
          run.pending = undefined;
          if (run.acked.length >= killAfterAcks) kill();
        } else if (word === 'ready' && killAfterAcks === 0) kill();
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(run) : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
}

function applyTo(model: Model, op: { op: string; id: string; version: number }): void {
  if (op.op === 'upsert') model.set(op.id, op.version);
  else if (op.op === 'delete') model.set(op.id, null);
}

describe('embedded collection under SIGKILL at random points', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'core-vector-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`never loses an acknowledged write nor resurrects a deleted record (${ITERATIONS} kills)`, async () => {
    let seed = 20_261_201;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const model: Model = new Map();
    let version = 1;
    let inFlightLanded = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const run = await runUntilKilled(dir, Math.floor(random() * 1e9), version, Math.floor(random() * 25), Math.floor(random() * 8));
      for (const op of run.acked) applyTo(model, op);
      version += run.acked.length + 1;
      const alternative = new Map(model);
      if (run.pending) applyTo(alternative, run.pending);

      const reader = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
      if (!(await reader.listCollections()).includes('prop')) {
        expect(model.size).toBe(0);
        continue;
      }
      const collection = await reader.collection('prop');
      const ids = Array.from({ length: 40 }, (_, i) => `k${i}`);
      const stored = new Map((await collection.get(ids)).map((r) => [r.id, r.metadata!.version as number]));
      const matches = (expected: Model) => ids.every((id) => (expected.get(id) ?? null) === (stored.get(id) ?? null));
      const asAcked = matches(model);
      const withPending = matches(alternative);
      if (!asAcked && !withPending) {
        const diff = ids.filter((id) => (model.get(id) ?? null) !== (stored.get(id) ?? null)).map((id) => `${id}: acked ${model.get(id) ?? null}, stored ${stored.get(id) ?? null}`);
        throw new Error(`iteration ${iteration}: state matches neither the acknowledged writes nor them plus the one in flight (${run.pending?.op ?? 'none'}):\n${diff.join('\n')}`);
      }
      if (!asAcked) {
        inFlightLanded++;
        if (run.pending) applyTo(model, run.pending); // it landed: later runs build on it
      }
      await reader.close();
    }
    console.log(`${ITERATIONS} kills; ${inFlightLanded} in-flight writes landed before their ack; ${[...model.values()].filter((v) => v !== null).length} records live`);
  }, 240_000);
});
