import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteFailedError } from '../src/errors';
import { EmbeddedVectorStore } from '../src/embedded';
import { WriteAheadLog, type WalEntry } from '../src/embedded/wal';

const entry: WalEntry = { op: 'delete', ns: '', ids: ['x'] };

describe('write-ahead log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'core-vector-wal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('an append that fails is refused with WriteFailedError, and so is every later one: nothing is acknowledged', async () => {
    const path = join(dir, 'wal-0.log');
    const { log } = await WriteAheadLog.open(path, true);
    await log.append([entry]);
    const size = (await readFile(path)).length;
    await log.close(); // the file handle goes away under the log, as a failing disk's would
    await expect(log.append([entry])).rejects.toBeInstanceOf(WriteFailedError);
    await expect(log.append([entry])).rejects.toBeInstanceOf(WriteFailedError);
    expect((await readFile(path)).length).toBe(size);
    expect(log.bytes).toBe(size);
  });

  it('a collection whose vectors file is larger than 2 GiB opens (read in pieces, not one readFile)', async () => {
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const dimension = 20_000; // 80 KB per vector: 2 GiB is 27,000 labels, not millions of records
    const c = await store.createCollection({ name: 'big', dimension, metric: 'euclidean' });
    await c.upsert([{ id: 'only', vector: Array.from({ length: dimension }, (_, i) => i % 7) }]);
    await store.close(); // checkpoint 1
    // Widen the checkpoint to 27,000 labels (all but the first free): a sparse file, no disk used.
    const labelBound = 27_000;
    const manifestPath = join(dir, 'big', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { labelBound: number };
    await writeFile(manifestPath, JSON.stringify({ ...manifest, labelBound }));
    await truncate(join(dir, 'big', 'vectors-1.f32'), labelBound * dimension * 4);
    expect(labelBound * dimension * 4).toBeGreaterThan(2 ** 31);
    const reader = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
    const [record] = await (await reader.collection('big')).get(['only'], { includeVectors: true });
    expect(record!.vector!.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    await reader.close();
  }, 60_000);
});
