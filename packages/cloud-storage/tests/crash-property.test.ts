import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAtRandom, seededRandom } from '@core/testing';
import { ObjectNotFoundError, readAll } from '../src';
import { LocalProvider } from '../src/local';

// Crash safety of local disk as a property: a writer doing random puts, moves and deletes is killed
// with SIGKILL at a random moment, 50 times over the same root; after each kill every key must read
// exactly as the acknowledged operations left it — or as the one in flight would have — and list()
// must work; the next writer carries on from there.
const ITERATIONS = 50;
const KEYS = Array.from({ length: 8 }, (_, i) => `k${i}`);

/** key → content prefix (`v<version>`), or null for absent. */
type Model = Map<string, string | null>;

/** Applies a `begin <op> <a> <b>` line's fields to the model. */
function applyTo(model: Model, [op, a, b]: string[]): void {
  if (op === 'put') model.set(a!, `v${b}`);
  else if (op === 'delete') model.set(a!, null);
  else if (op === 'move' && a !== b && (model.get(a!) ?? null) !== null) {
    model.set(b!, model.get(a!)!);
    model.set(a!, null);
  }
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
    const random = seededRandom(20_261_202);
    const model: Model = new Map();
    let version = 1;
    let inFlightLanded = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const run = await killAtRandom(join(__dirname, 'crash-property-writer.ts'), [root, String(Math.floor(random() * 1e9)), String(version)], Math.floor(random() * 12), Math.floor(random() * 6));
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
