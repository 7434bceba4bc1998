import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedVectorStore } from '../src/embedded';
import { CollectionLockedError, CorruptCollectionError, ReadOnlyError } from '../src/errors';
import { exactScore } from '../src/score';
import type { Progress } from '../src/types';
import { seeded } from './conformance';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'core-vector-embedded-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function vectors(seed: number, count: number, dimension: number): number[][] {
  const random = seeded(seed);
  return Array.from({ length: count }, () => Array.from({ length: dimension }, () => random() * 2 - 1));
}

/** Name, size and mtime of every file in a directory. */
async function snapshotOf(path: string): Promise<Array<[string, number, number]>> {
  const names = (await readdir(path)).sort();
  return Promise.all(names.map(async (n) => {
    const s = await stat(join(path, n));
    return [n, s.size, s.mtimeMs] as [string, number, number];
  }));
}

describe('embedded store on disk', () => {
  it('finds everything again after close and reopen (checkpoint)', async () => {
    const first = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await first.createCollection({ name: 'persist', dimension: 8, metric: 'cosine' });
    const data = vectors(1, 3_000, 8);
    await c.upsert(data.map((v, i) => ({ id: `p${i}`, vector: v, metadata: { even: i % 2 === 0 } })));
    await c.upsert([{ id: 'spaced', vector: data[0]! }], { namespace: 'other' });
    await c.delete(['p1', 'p2']);
    const before = await c.query({ vector: data[10]!, topK: 10, filter: { even: true } });
    await first.close();
    expect((await readdir(join(dir, 'persist'))).sort()).toEqual(['collection.json', 'index-1.hnsw', 'manifest.json', 'records-1.json', 'vectors-1.f32', 'wal-1.log']);

    const second = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const again = await second.collection('persist');
    expect(await second.listCollections()).toEqual(['persist']);
    expect((await again.describe()).namespaces).toEqual({ '': 2_998, other: 1 });
    expect(await again.get(['p1', 'p2'])).toEqual([]);
    expect(await again.query({ vector: data[10]!, topK: 10, filter: { even: true } })).toEqual(before);
    expect((await again.get(['p3'], { includeVectors: true }))[0]!.vector).toEqual(Array.from(new Float32Array(data[3]!)));
    await second.close();
  });

  it('replays the log when the process stopped without a checkpoint', async () => {
    const first = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await first.createCollection({ name: 'replay', dimension: 4 });
    await c.upsert(vectors(2, 500, 4).map((v, i) => ({ id: `r${i}`, vector: v })));
    await c.update('r7', { metadata: { touched: true } });
    await c.delete(['r8']);
    // No close(): a read-only store reads the same directory as a restarted process would.
    const builds: Progress[] = [];
    const second = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
    second.on('progress', (_name, p) => builds.push(p));
    const again = await second.collection('replay');
    expect((await again.describe()).count).toBe(499);
    expect((await again.get(['r7']))[0]!.metadata).toEqual({ touched: true });
    expect(builds.at(-1)).toMatchObject({ operation: 'build', done: 3, total: 3 });
    await second.close();
    await first.close().catch(() => undefined);
  });

  it('cuts a torn last log line on open, so the next acknowledged write survives the next crash', async () => {
    const first = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await first.createCollection({ name: 'torn', dimension: 2 });
    await c.upsert([{ id: 'a', vector: [1, 0] }]);
    // A crash mid-append: a fragment without its newline, and the writer gone (its lock is stale).
    await appendFile(join(dir, 'torn', 'wal-0.log'), '0badc0de {"op":"upsert","ns":"","records":[["b","AAAA');
    await rm(join(dir, 'torn', 'writer.lock'));
    const second = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const again = await second.collection('torn');
    expect((await again.get(['a', 'b'])).map((r) => r.id)).toEqual(['a']);
    await again.upsert([{ id: 'c', vector: [0, 1] }]); // acknowledged
    await rm(join(dir, 'torn', 'writer.lock')); // and the second writer crashes too
    const third = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
    expect((await (await third.collection('torn')).get(['a', 'b', 'c'])).map((r) => r.id)).toEqual(['a', 'c']);
  });

  it('refuses a bad record followed by whole ones (damage, not a torn write)', async () => {
    const first = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await first.createCollection({ name: 'damaged', dimension: 2 });
    await c.upsert([{ id: 'a', vector: [1, 0] }]);
    await c.upsert([{ id: 'b', vector: [0, 1] }]);
    const log = join(dir, 'damaged', 'wal-0.log');
    const text = await readFile(log, 'utf8');
    await writeFile(log, text.replace('"a"', '"z"')); // the checksum of the first record no longer holds
    const error = await new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true }).collection('damaged').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptCollectionError);
    expect((error as CorruptCollectionError).code).toBe('VECTOR_CORRUPT');
  });

  it('has one writer: a second writer is refused, a read-only open changes nothing on disk', async () => {
    const writer = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await writer.createCollection({ name: 'single', dimension: 2 });
    await c.upsert([{ id: 'a', vector: [1, 0] }]);
    const error = await new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 }).collection('single').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectionLockedError);
    expect((error as CollectionLockedError).code).toBe('VECTOR_LOCKED');
    await expect(new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 }).dropCollection('single')).rejects.toBeInstanceOf(CollectionLockedError);
    const before = await snapshotOf(join(dir, 'single'));
    const reader = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
    const view = await reader.collection('single');
    expect((await view.get(['a'])).map((r) => r.id)).toEqual(['a']);
    await expect(view.upsert([{ id: 'b', vector: [0, 1] }])).rejects.toBeInstanceOf(ReadOnlyError);
    await reader.close();
    await reader.close(); // idempotent
    expect(await snapshotOf(join(dir, 'single'))).toEqual(before); // the writer's log is untouched
    await c.upsert([{ id: 'b', vector: [0, 1] }]); // and still appends
    await writer.close();
    const after = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    expect((await (await after.collection('single')).get(['a', 'b'])).map((r) => r.id)).toEqual(['a', 'b']);
    await after.close();
  });

  it('after kill -9 during a stream of upserts, every acknowledged upsert is there', async () => {
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(__dirname, 'crash-writer.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        for (const line of text.split('\n')) if (line.startsWith('ack ')) acked = Number(line.slice(4));
        if (acked >= 40) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => (acked < 40 ? reject(new Error(`writer exited early with ${code}`)) : undefined));
    });
    await new Promise((r) => child.once('exit', r));
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await store.collection('crash');
    const count = (await c.describe()).count;
    expect(count).toBeGreaterThanOrEqual((acked + 1) * 50);
    for (let batch = 0; batch <= acked; batch++) {
      const ids = Array.from({ length: 50 }, (_, i) => `b${batch}-${i}`);
      expect(await c.get(ids)).toHaveLength(50);
    }
    // The graph was rebuilt from the log, not only the table: a query finds the last acknowledged batch.
    const [hit] = await c.query({ vector: Array.from({ length: 16 }, (_, j) => acked + j), topK: 1 });
    expect(hit!.id).toBe(`b${acked}-0`);
    await store.close();
  }, 60_000);

  it('deletes free their slots for new records; the index grows past its first capacity', async () => {
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
    const c = await store.createCollection({ name: 'slots', dimension: 4, metric: 'euclidean' });
    const data = vectors(4, 3_000, 4);
    await c.upsert(data.map((v, i) => ({ id: `s${i}`, vector: v })));
    expect(c.slots).toBe(3_000); // grew from 1,024
    await c.delete(data.slice(0, 1_000).map((_, i) => `s${i}`));
    await c.upsert(vectors(5, 1_000, 4).map((v, i) => ({ id: `n${i}`, vector: v })));
    expect(c.slots).toBe(3_000);
    expect((await c.describe()).count).toBe(3_000);
    const probe = data[0]!;
    const hits = await c.query({ vector: probe, topK: 5 });
    expect(hits.every((h) => !/^s(\d{1,3})$/.test(h.id) || Number(h.id.slice(1)) >= 1_000)).toBe(true);
    await store.close();
  });

  it('applies filters inside the graph search: filtered results match the exact answer', async () => {
    // exactLimit and exactShare 0 force the graph path, so this checks the in-search filter rather than the fallback.
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, exactLimit: 0, exactShare: 0 });
    const c = await store.createCollection({ name: 'graph', dimension: 16, metric: 'cosine' });
    const data = vectors(6, 6_000, 16);
    await c.upsert(data.map((v, i) => ({ id: `g${i}`, vector: v, metadata: { shard: i % 10 } })));
    let found = 0;
    let expected = 0;
    for (const probe of vectors(7, 30, 16)) {
      const truth = data
        .map((v, i) => ({ id: `g${i}`, shard: i % 10, score: exactScore('cosine', probe, v) }))
        .filter((r) => r.shard === 3)
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((r) => r.id);
      const hits = await c.query({ vector: probe, topK: 10, filter: { shard: 3 } });
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => Number(h.id.slice(1)) % 10 === 3)).toBe(true);
      found += hits.filter((h) => truth.includes(h.id)).length;
      expected += 10;
    }
    expect(found / expected).toBeGreaterThanOrEqual(0.95);
    await store.close();
  });

  it('checkpoints once the log passes its size limit', async () => {
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, checkpointBytes: 50_000 });
    const c = await store.createCollection({ name: 'rolling', dimension: 32 });
    for (let round = 0; round < 5; round++) await c.upsert(vectors(round, 200, 32).map((v, i) => ({ id: `x${round}-${i}`, vector: v })));
    const files = await readdir(join(dir, 'rolling'));
    expect(files.some((f) => /^manifest\.json$/.test(f))).toBe(true);
    expect(files.filter((f) => f.startsWith('wal-'))).toHaveLength(1);
    expect(files.find((f) => f.startsWith('wal-'))).not.toBe('wal-0.log');
    const reopened = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0, readOnly: true });
    expect((await (await reopened.collection('rolling')).describe()).count).toBe(1_000);
    await reopened.close();
    await store.close();
  });

  it('sweeps expired records in the background', async () => {
    const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 100 });
    const c = await store.createCollection({ name: 'ttl', dimension: 2, ttlMs: 150 });
    await c.upsert([{ id: 'gone', vector: [1, 0] }]);
    const swept = new Promise<number>((resolve) => store.on('sweep', (_name, removed) => resolve(removed)));
    expect(await swept).toBe(1);
    expect((await c.describe()).count).toBe(0);
    await store.close();
  });
});
