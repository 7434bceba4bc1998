import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectNotFoundError, readAll } from '../src';
import { LocalProvider } from '../src/local';

// Crash safety of local disk as a property: a writer doing random puts, moves and deletes is killed
// with SIGKILL at a random moment, 50 times over the same root; after each kill every key must read
// exactly as the acknowledged operations left it — or as the one in flight would have — and list()
// must work; the next writer carries on from there.
const ITERATIONS = 50;
const KEYS = Array.from({ length: 8 }, (_, i) => `k${i}`);

type Op = { op: string; a: string; b: string };
/** key → content prefix (`v<version>`), or null for absent. */
type Model = Map<string, string | null>;

function applyTo(model: Model, { op, a, b }: Op): void {
  if (op === 'put') model.set(a, `v${b}`);
  else if (op === 'delete') model.set(a, null);
  else if (op === 'move' && a !== b && (model.get(a) ?? null) !== null) {
    model.set(b, model.get(a)!);
    model.set(a, null);
  }
}

function runUntilKilled(root: string, seed: number, firstVersion: number, killAfterAcks: number, jitterMs: number): Promise<{ acked: Op[]; pending: Op | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(__dirname, 'crash-property-writer.ts'), root, String(seed), String(firstVersion)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Op[] = [];
    let pending: Op | undefined;
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
        const [word, op, a, b] = line.split(' ');
        if (word === 'begin') pending = { op: op!, a: a!, b: b! };
        else if (word === 'ack' && pending) {
          acked.push(pending);
          pending = undefined;
          if (acked.length >= killAfterAcks) kill();
        } else if (word === 'ready' && killAfterAcks === 0) kill();
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve({ acked, pending }) : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
}

async function readState(root: string): Promise<Model> {
  const disk = new LocalProvider({ root });
  const state: Model = new Map();
  for (const key of KEYS) {
    try {
      state.set(key, (await readAll(await disk.get(key, { verify: true }))).toString().split(':')[0]!);
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      state.set(key, null);
    }
  }
  await disk.list(); // listing never breaks on what a crash left behind
  return state;
}

describe('local disk under SIGKILL at random points', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-storage-crash-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it(`never loses an acknowledged put, move or delete (${ITERATIONS} kills)`, async () => {
    let seed = 20_261_202;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const model: Model = new Map();
    let version = 1;
    let inFlightLanded = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const run = await runUntilKilled(root, Math.floor(random() * 1e9), version, Math.floor(random() * 12), Math.floor(random() * 6));
      for (const op of run.acked) applyTo(model, op);
      version += run.acked.length + 1;
      const alternative = new Map(model);
      if (run.pending) applyTo(alternative, run.pending);
      const state = await readState(root);
      const matches = (expected: Model) => KEYS.every((k) => (expected.get(k) ?? null) === (state.get(k) ?? null));
      if (matches(model)) continue;
      if (!matches(alternative)) {
        const diff = KEYS.filter((k) => (model.get(k) ?? null) !== (state.get(k) ?? null)).map((k) => `${k}: acked ${model.get(k) ?? null}, stored ${state.get(k) ?? null}`);
        throw new Error(`iteration ${iteration}: neither the acknowledged state nor it plus the op in flight (${JSON.stringify(run.pending)}):\n${diff.join('\n')}`);
      }
      inFlightLanded++;
      applyTo(model, run.pending!);
    }
    console.log(`${ITERATIONS} kills; ${inFlightLanded} in-flight operations landed before their ack; ${[...model.values()].filter((v) => v !== null).length} keys live`);
  }, 240_000);
});
