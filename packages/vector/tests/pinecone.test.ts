import { describeWithEnv } from '@core/testing';
import { BackendUnavailableError, InvalidArgumentError } from '../src/errors';
import { PineconeVectorStore } from '../src/pinecone';
import { upsertBatches } from '../src/pinecone/batches';
import { seeded } from './conformance';
import { startPineconeStandIn, type PineconeStandIn } from './pinecone-stand-in';

// Against the local Pinecone STAND-IN (tests/pinecone-stand-in.ts), not a Pinecone service.
describe('Pinecone store specifics (against the local stand-in)', () => {
  let standIn: PineconeStandIn;
  let store: PineconeVectorStore;
  beforeEach(async () => {
    standIn = await startPineconeStandIn(8, 'cosine');
    store = new PineconeVectorStore({ apiKey: 'stand-in', host: standIn.host, metric: 'cosine', retry: { initialDelayMs: 5, maxAttempts: 3 } });
  });
  afterEach(() => standIn.stop());

  const vector = (random: () => number) => Array.from({ length: 8 }, () => random() * 2 - 1);

  it('batches upserts within 1,000 records and 2 MB per request', async () => {
    const c = await store.createCollection({ name: 'batched', dimension: 8 });
    const random = seeded(1);
    standIn.requests.length = 0;
    await c.upsert(Array.from({ length: 2_500 }, (_, i) => ({ id: `r${i}`, vector: vector(random) })));
    const upserts = standIn.requests.filter((r) => r.path === '/vectors/upsert');
    expect(upserts.map((r) => (r.body as { vectors: unknown[] }).vectors.length)).toEqual([1_000, 1_000, 500]);

    standIn.requests.length = 0;
    const heavy = 'x'.repeat(30_000); // ~30 KB of metadata per record: the byte limit binds first
    await c.upsert(Array.from({ length: 150 }, (_, i) => ({ id: `h${i}`, vector: vector(random), metadata: { heavy } })));
    const heavyUpserts = standIn.requests.filter((r) => r.path === '/vectors/upsert');
    expect(heavyUpserts.length).toBeGreaterThan(1);
    expect(heavyUpserts.every((r) => r.bytes <= 2 * 1024 * 1024)).toBe(true);
    expect(heavyUpserts.reduce((n, r) => n + (r.body as { vectors: unknown[] }).vectors.length, 0)).toBe(150);
    expect((await c.describe()).count).toBe(2_650);
  });

  it('splits batches by records and bytes (unit)', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: String(i), pad: 'y'.repeat(100) }));
    expect(upsertBatches(rows, 4).map((b) => b.length)).toEqual([4, 4, 2]);
    expect(upsertBatches(rows, 1_000, 1024 + 250).map((b) => b.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    const c = await store.createCollection({ name: 'retried', dimension: 8 });
    standIn.requests.length = 0;
    standIn.failNext(429);
    standIn.failNext(503);
    await c.upsert([{ id: 'a', vector: vector(seeded(2)) }]);
    expect(standIn.requests.filter((r) => r.path === '/vectors/upsert')).toHaveLength(3);
    standIn.failNext(500, 2);
    expect(await c.query({ id: 'a', topK: 1 })).toHaveLength(1);
  });

  it('gives up with BackendUnavailableError when failures persist; a 400 is not retried', async () => {
    const c = await store.createCollection({ name: 'failing', dimension: 8 });
    standIn.requests.length = 0;
    standIn.failNext(503, 4);
    await expect(c.query({ vector: vector(seeded(3)), topK: 1 })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(standIn.requests).toHaveLength(4); // the first attempt and 3 retries
    standIn.failNext(400, 1);
    standIn.requests.length = 0;
    await expect(c.query({ vector: vector(seeded(3)), topK: 1 })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(standIn.requests).toHaveLength(1);
  });

  it('keeps collections apart inside one index through id prefixes and a collection field', async () => {
    const a = await store.createCollection({ name: 'left', dimension: 8 });
    const b = await store.createCollection({ name: 'right', dimension: 8 });
    const v = vector(seeded(4));
    await a.upsert([{ id: 'same', vector: v, metadata: { side: 'left' } }]);
    await b.upsert([{ id: 'same', vector: v, metadata: { side: 'right' } }]);
    expect((await a.query({ vector: v, topK: 5 })).map((m) => m.metadata?.side)).toEqual(['left']);
    expect((await b.get(['same']))[0]!.metadata).toEqual({ side: 'right' });
    const stored = standIn.requests.filter((r) => r.path === '/vectors/upsert').flatMap((r) => (r.body as { vectors: Array<{ id: string }> }).vectors.map((x) => x.id));
    expect(stored).toEqual(expect.arrayContaining(['left#same', 'right#same']));
    await store.dropCollection('left');
    expect((await b.describe()).count).toBe(1);
    expect(await store.listCollections()).toEqual(['right']);
  });

  it('deletes by filter through list + fetch + delete (the stand-in, like serverless, refuses delete by metadata)', async () => {
    const c = await store.createCollection({ name: 'purge', dimension: 8 });
    const random = seeded(5);
    await c.upsert(Array.from({ length: 250 }, (_, i) => ({ id: `p${i}`, vector: vector(random), metadata: { keep: i % 5 === 0 } })));
    standIn.requests.length = 0;
    expect(await c.deleteByFilter({ keep: false })).toBe(200);
    expect(standIn.requests.some((r) => r.path === '/vectors/list')).toBe(true);
    expect(standIn.requests.filter((r) => r.path === '/vectors/delete').every((r) => !(r.body as { filter?: unknown }).filter)).toBe(true);
    expect((await c.describe()).count).toBe(50);
  });

  it('refuses collections that do not match the index dimension or metric, and reserved names', async () => {
    await expect(store.createCollection({ name: 'wide', dimension: 16 })).rejects.toThrow(/dimension 8/);
    await expect(store.createCollection({ name: 'l2', dimension: 8, metric: 'euclidean' })).rejects.toThrow(/uses cosine/);
    const c = await store.createCollection({ name: 'ok', dimension: 8 });
    await expect(c.upsert([{ id: 'a', vector: vector(seeded(6)) }], { namespace: '__core_collections' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describeWithEnv('PINECONE_API_KEY', 'Pinecone store against a live index (PINECONE_API_KEY, PINECONE_INDEX)', () => {
  it('upserts, queries and drops a collection', async () => {
    const store = new PineconeVectorStore({});
    const name = `core-test-${process.pid}`;
    const stats = await store.health();
    expect(stats.status).toBe('up');
    const dimension = Number(process.env.PINECONE_DIMENSION ?? 8);
    const c = await store.createCollection({ name, dimension, metric: (process.env.PINECONE_METRIC as never) ?? 'cosine' });
    try {
      const random = seeded(7);
      await c.upsert(Array.from({ length: 20 }, (_, i) => ({ id: `l${i}`, vector: Array.from({ length: dimension }, () => random()), metadata: { i } })));
      // Pinecone is eventually consistent: poll until the records are visible.
      for (let tries = 0; tries < 30 && (await c.get(['l0'])).length === 0; tries++) await new Promise((r) => setTimeout(r, 1_000));
      expect((await c.query({ id: 'l0', topK: 1 }))[0]!.id).toBe('l0');
    } finally {
      await store.dropCollection(name);
    }
  }, 120_000);
});
