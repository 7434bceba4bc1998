import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAtRandom, seededRandom } from '@core/testing';
import { EmbeddedVectorStore } from '../src/embedded';

// Crash safety as a property: a writer doing random upserts, deletes and checkpoints is killed with
// SIGKILL at a random moment, 50 times over the same directory; after each kill the collection must
// hold exactly what was acknowledged — except the one operation in flight, which may or may not have
// landed — and the next writer carries on from there (reopening after a torn write).
const ITERATIONS = 50;

/** id → version stored, or null for absent. */
type Model = Map<string, number | null>;

/** Applies a `begin <op> <id> <version>` line's fields to the model. */
function applyTo(model: Model, [op, id, version]: string[]): void {
  if (op === 'upsert') model.set(id!, Number(version));
  else if (op === 'delete') model.set(id!, null);
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
    const random = seededRandom(20_261_201);
    const model: Model = new Map();
    let version = 1;
    let inFlightLanded = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const run = await killAtRandom(join(__dirname, 'crash-property-writer.ts'), [dir, String(Math.floor(random() * 1e9)), String(version)], Math.floor(random() * 25), Math.floor(random() * 8));
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
        throw new Error(`iteration ${iteration}: state matches neither the acknowledged writes nor them plus the one in flight (${run.pending?.join(' ') ?? 'none'}):\n${diff.join('\n')}`);
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
