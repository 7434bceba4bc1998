// One conformance suite for every backend: the embedded store and Pinecone (against the stand-in).
import { CollectionExistsError, CollectionNotFoundError, InvalidArgumentError, InvalidFilterError, InvalidMetadataError, InvalidVectorError } from '../src/errors';
import { kmeans } from '../src/analytics/kmeans';
import { outliers } from '../src/analytics/outliers';
import { exactScore } from '../src/score';
import type { Collection, Metadata, Metric, Progress, VectorStore } from '../src/types';
import type { Filter } from '../src/filter';

/** A store with one index shape (Pinecone indexes fix dimension and metric), and how to dispose of it. */
export type StoreFactory = (metric: Metric, dimension: number) => Promise<{ store: VectorStore; dispose(): Promise<void> }>;

const METRICS: Metric[] = ['cosine', 'euclidean', 'dot'];

/** Seeded pseudo-random numbers (mulberry32), so failures repeat. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVector(random: () => number, dimension: number): number[] {
  return Array.from({ length: dimension }, () => random() * 2 - 1);
}

/** Small fixed records whose filter answers are known by hand. */
const PEOPLE: Array<{ id: string; metadata: Metadata }> = [
  { id: 'ada', metadata: { name: 'ada', age: 36, langs: ['en', 'fr'], active: true } },
  { id: 'bob', metadata: { name: 'bob', age: 25, langs: ['en'], active: false } },
  { id: 'cy', metadata: { name: 'cy', age: 41, langs: ['de'], active: true, team: 'core' } },
  { id: 'dee', metadata: { name: 'dee', age: 30, langs: ['fr', 'de'], active: false, team: 'ops' } },
  { id: 'eve', metadata: { name: 'eve', age: 19, langs: [], active: true } },
];

const FILTER_CASES: Array<[string, Filter, string[]]> = [
  ['implicit $eq', { name: 'bob' }, ['bob']],
  ['$eq', { age: { $eq: 41 } }, ['cy']],
  ['$ne', { active: { $ne: true } }, ['bob', 'dee']],
  ['$gt', { age: { $gt: 30 } }, ['ada', 'cy']],
  ['$gte', { age: { $gte: 30 } }, ['ada', 'cy', 'dee']],
  ['$lt', { age: { $lt: 25 } }, ['eve']],
  ['$lte', { age: { $lte: 25 } }, ['bob', 'eve']],
  ['$in', { name: { $in: ['ada', 'eve', 'zed'] } }, ['ada', 'eve']],
  ['$nin', { name: { $nin: ['ada', 'eve'] } }, ['bob', 'cy', 'dee']],
  ['$exists true', { team: { $exists: true } }, ['cy', 'dee']],
  ['$exists false', { team: { $exists: false } }, ['ada', 'bob', 'eve']],
  ['$and', { $and: [{ active: true }, { age: { $gt: 20 } }] }, ['ada', 'cy']],
  ['$or', { $or: [{ team: 'ops' }, { age: { $lt: 20 } }] }, ['dee', 'eve']],
  ['list field $eq (any element)', { langs: 'fr' }, ['ada', 'dee']],
  ['list field $in', { langs: { $in: ['de'] } }, ['cy', 'dee']],
  ['list field $nin (no element)', { langs: { $nin: ['en'] } }, ['cy', 'dee', 'eve']],
  ['range on one field', { age: { $gte: 20, $lt: 40 } }, ['ada', 'bob', 'dee']],
];

/** Registers the suite under `describe(name)`. */
export function vectorConformance(name: string, factory: StoreFactory): void {
  describe(name, () => {
    const disposers: Array<() => Promise<void>> = [];
    async function storeFor(metric: Metric = 'cosine', dimension = 8): Promise<VectorStore> {
      const { store, dispose } = await factory(metric, dimension);
      disposers.push(dispose);
      return store;
    }
    afterEach(async () => {
      while (disposers.length > 0) await disposers.pop()!();
    });

    async function people(metric: Metric = 'cosine'): Promise<Collection> {
      const store = await storeFor(metric, 4);
      const c = await store.createCollection({ name: 'people', dimension: 4, metric });
      const random = seeded(7);
      await c.upsert(PEOPLE.map((p) => ({ ...p, vector: randomVector(random, 4) })));
      return c;
    }

    it('creates, lists, describes and drops collections; names are unique', async () => {
      const store = await storeFor('cosine', 8);
      await store.createCollection({ name: 'alpha', dimension: 8, metric: 'cosine' });
      await store.createCollection({ name: 'beta', dimension: 8, metric: 'cosine', ttlMs: 60_000 });
      expect(await store.listCollections()).toEqual(['alpha', 'beta']);
      await expect(store.createCollection({ name: 'alpha', dimension: 8 })).rejects.toBeInstanceOf(CollectionExistsError);
      const beta = await store.collection('beta');
      await beta.upsert([{ id: 'x', vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
      const info = await store.describeCollection('beta');
      expect(info).toMatchObject({ name: 'beta', dimension: 8, metric: 'cosine', ttlMs: 60_000, count: 1, namespaces: { '': 1 } });
      expect(info.bytes).toBeGreaterThan(0);
      expect(await store.dropCollection('beta')).toBe(true);
      expect(await store.dropCollection('beta')).toBe(false);
      expect(await store.listCollections()).toEqual(['alpha']);
      await expect(store.collection('beta')).rejects.toBeInstanceOf(CollectionNotFoundError);
      await expect(store.createCollection({ name: 'Bad Name!', dimension: 8 })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect((await store.health()).status).toBe('up');
    });

    it('counts and times queries per collection in stats(), failed ones too, without a request', async () => {
      const store = await storeFor('cosine', 4);
      const c = await store.createCollection({ name: 'counted', dimension: 4, metric: 'cosine' });
      await c.upsert([{ id: 'a', vector: [1, 0, 0, 0] }, { id: 'b', vector: [0, 1, 0, 0] }]);
      expect(store.stats().collections.counted?.queries ?? 0).toBe(0);
      for (let i = 0; i < 3; i++) await c.query({ vector: [1, 0, 0, 0], topK: 1 });
      await expect(c.query({ vector: [1, 0, 0, 0], topK: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
      const counted = store.stats().collections.counted!;
      expect(counted).toMatchObject({ queries: 4, queryErrors: 1 });
      expect(counted.querySeconds).toBeGreaterThan(0);
      expect(counted.p99Seconds).toBeGreaterThanOrEqual(counted.p50Seconds!);
      if (counted.records !== undefined) expect(counted.records).toBe(2); // known without a request on the embedded backend
    });

    it('upserts, gets, updates and deletes records; an upsert of an existing id replaces it', async () => {
      const store = await storeFor('cosine', 3);
      const c = await store.createCollection({ name: 'records', dimension: 3, metric: 'cosine' });
      expect(await c.upsert([{ id: 'a', vector: [1, 0, 0], metadata: { kind: 'x', n: 1 } }, { id: 'b', vector: [0, 1, 0] }])).toBe(2);
      expect(await c.get(['a', 'missing', 'b'], { includeVectors: true })).toEqual([
        { id: 'a', metadata: { kind: 'x', n: 1 }, vector: [1, 0, 0] },
        { id: 'b', vector: [0, 1, 0] },
      ]);
      await c.upsert([{ id: 'a', vector: [0, 0, 1], metadata: { kind: 'y' } }]);
      expect(await c.get(['a'], { includeVectors: true })).toEqual([{ id: 'a', metadata: { kind: 'y' }, vector: [0, 0, 1] }]);
      expect(await c.update('a', { metadata: { n: 2 } })).toBe(true);
      expect((await c.get(['a']))[0]!.metadata).toEqual({ kind: 'y', n: 2 });
      expect(await c.update('nope', { metadata: { n: 2 } })).toBe(false);
      expect(await c.update('b', { vector: [1, 1, 0] })).toBe(true);
      expect((await c.get(['b'], { includeVectors: true }))[0]!.vector).toEqual([1, 1, 0]);
      expect(await c.delete(['a', 'zzz'])).toBe(1);
      expect(await c.get(['a'])).toEqual([]);
      expect((await c.describe()).count).toBe(1);
    });

    it('keeps namespaces apart', async () => {
      const store = await storeFor('cosine', 2);
      const c = await store.createCollection({ name: 'spaces', dimension: 2 });
      await c.upsert([{ id: 'same', vector: [1, 0], metadata: { where: 'default' } }]);
      await c.upsert([{ id: 'same', vector: [0, 1], metadata: { where: 'blue' } }], { namespace: 'blue' });
      expect((await c.get(['same']))[0]!.metadata).toEqual({ where: 'default' });
      expect((await c.get(['same'], { namespace: 'blue' }))[0]!.metadata).toEqual({ where: 'blue' });
      const hits = await c.query({ vector: [1, 0], topK: 5, namespace: 'blue' });
      expect(hits.map((h) => h.metadata?.where)).toEqual(['blue']);
      expect((await c.describe()).namespaces).toEqual({ '': 1, blue: 1 });
      expect(await c.delete(['same'], { namespace: 'blue' })).toBe(1);
      expect(await c.get(['same'])).toHaveLength(1);
    });

    it.each(METRICS)('ranks by the %s metric on the documented scale (higher is closer)', async (metric) => {
      const dimension = 6;
      const store = await storeFor(metric, dimension);
      const c = await store.createCollection({ name: `m-${metric}`, dimension, metric });
      const random = seeded(11);
      const records = Array.from({ length: 60 }, (_, i) => ({ id: `r${i}`, vector: randomVector(random, dimension) }));
      await c.upsert(records);
      const probe = randomVector(random, dimension);
      const expected = records.map((r) => ({ id: r.id, score: exactScore(metric, probe, r.vector) })).sort((a, b) => b.score - a.score);
      const hits = await c.query({ vector: probe, topK: 5 });
      expect(hits.map((h) => h.id)).toEqual(expected.slice(0, 5).map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 4));
      if (metric === 'euclidean') expect(hits.every((h) => h.score > 0 && h.score <= 1)).toBe(true);
      if (metric === 'cosine') expect(hits.every((h) => h.score >= -1 && h.score <= 1)).toBe(true);
    });

    it.each(METRICS)('minScore cuts %s results at the same scale', async (metric) => {
      const store = await storeFor(metric, 2);
      const c = await store.createCollection({ name: `min-${metric}`, dimension: 2, metric });
      await c.upsert([
        { id: 'near', vector: [1, 0.05] },
        { id: 'mid', vector: [0.7, 0.7] },
        { id: 'far', vector: [-1, 0.1] },
      ]);
      const probe = [1, 0];
      const scores = Object.fromEntries(['near', 'mid', 'far'].map((id, i) => [id, exactScore(metric, probe, [[1, 0.05], [0.7, 0.7], [-1, 0.1]][i]!)]));
      const cut = (scores.near! + scores.mid!) / 2;
      const hits = await c.query({ vector: probe, topK: 3, minScore: cut });
      expect(hits.map((h) => h.id)).toEqual(['near']);
      const all = await c.query({ vector: probe, topK: 3, minScore: scores.far! - 1e-6 });
      expect(all.map((h) => h.id)).toEqual(['near', 'mid', 'far']);
    });

    it.each(FILTER_CASES)('filter %s', async (_label, filter, expected) => {
      const c = await people();
      const hits = await c.query({ vector: [0.1, 0.2, 0.3, 0.4], topK: 10, filter });
      expect(hits.map((h) => h.id).sort()).toEqual(expected);
    });

    it('rejects unknown filter operators and malformed operands with InvalidFilterError', async () => {
      const c = await people();
      for (const filter of [{ age: { $regex: 'x' } }, { $not: { age: 1 } }, { age: { $gt: 'old' } }, { name: { $in: 'ada' } }, { $or: [] }, { age: null }]) {
        await expect(c.query({ vector: [1, 0, 0, 0], topK: 3, filter: filter as never })).rejects.toBeInstanceOf(InvalidFilterError);
      }
      await expect(c.deleteByFilter({ age: { $between: [1, 2] } } as never)).rejects.toBeInstanceOf(InvalidFilterError);
      expect((await c.describe()).count).toBe(PEOPLE.length);
    });

    it('a filtered query returns min(topK, matching) results', async () => {
      const store = await storeFor('euclidean', 8);
      const c = await store.createCollection({ name: 'filtered', dimension: 8, metric: 'euclidean' });
      const random = seeded(3);
      await c.upsert(Array.from({ length: 400 }, (_, i) => ({ id: `v${i}`, vector: randomVector(random, 8), metadata: { bucket: i % 40 } })));
      expect(await c.query({ vector: randomVector(random, 8), topK: 50, filter: { bucket: 7 } })).toHaveLength(10);
      expect(await c.query({ vector: randomVector(random, 8), topK: 25, filter: { bucket: { $lt: 20 } } })).toHaveLength(25);
      expect(await c.query({ vector: randomVector(random, 8), topK: 5, filter: { bucket: 99 } })).toEqual([]);
    });

    it('queries by the id of a stored record, with vectors and metadata on request', async () => {
      const c = await people();
      const [self] = await c.query({ id: 'cy', topK: 1, includeVectors: true });
      expect(self!.id).toBe('cy');
      expect(self!.vector).toHaveLength(4);
      expect(self!.metadata).toMatchObject({ name: 'cy' });
      const [bare] = await c.query({ id: 'cy', topK: 1, includeMetadata: false });
      expect(bare).toEqual({ id: 'cy', score: expect.any(Number) });
    });

    it('deletes by filter', async () => {
      const c = await people();
      expect(await c.deleteByFilter({ active: false })).toBe(2);
      expect((await c.get(PEOPLE.map((p) => p.id))).map((r) => r.id).sort()).toEqual(['ada', 'cy', 'eve']);
    });

    it('never returns expired records, and a sweep purges them', async () => {
      const store = await storeFor('cosine', 2);
      const c = await store.createCollection({ name: 'ttl', dimension: 2, ttlMs: 300 });
      await c.upsert([{ id: 'old', vector: [1, 0] }]);
      await new Promise((r) => setTimeout(r, 400));
      await c.upsert([{ id: 'new', vector: [1, 0.1] }]);
      expect((await c.query({ vector: [1, 0], topK: 5 })).map((h) => h.id)).toEqual(['new']);
      expect((await c.get(['old', 'new'])).map((r) => r.id)).toEqual(['new']);
      expect(await store.sweep()).toBe(1);
      expect((await c.describe()).count).toBe(1);
    });

    it('rejects bad input with typed errors and writes nothing', async () => {
      const store = await storeFor('cosine', 3);
      const c = await store.createCollection({ name: 'strict', dimension: 3 });
      await c.upsert([{ id: 'keep', vector: [1, 2, 3] }]);
      const bad: Array<[unknown, new (...args: never[]) => Error]> = [
        [[{ id: 'ok', vector: [1, 2, 3] }, { id: 'x', vector: [1, 2] }], InvalidVectorError],
        [[{ id: 'ok', vector: [1, 2, 3] }, { id: 'x', vector: [1, NaN, 3] }], InvalidVectorError],
        [[{ id: 'x', vector: [1, Infinity, 3] }], InvalidVectorError],
        [[{ id: 'x', vector: [] }], InvalidVectorError],
        [[{ id: 'x', vector: 'abc' }], InvalidVectorError],
        [[{ id: 'ok', vector: [1, 2, 3] }, { id: 'x', vector: [1, 2, 3], metadata: { f: () => 1 } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: { nested: { a: 1 } } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: { big: 10n } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: { n: NaN } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: { when: new Date() } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: { mixed: ['a', 1] } }], InvalidMetadataError],
        [[{ id: 'x', vector: [1, 2, 3], metadata: new Map() }], InvalidMetadataError],
        [[{ id: '', vector: [1, 2, 3] }], InvalidArgumentError],
        [[{ id: 'dup', vector: [1, 2, 3] }, { id: 'dup', vector: [1, 2, 3] }], InvalidArgumentError],
      ];
      for (const [records, type] of bad) await expect(c.upsert(records as never)).rejects.toBeInstanceOf(type);
      expect((await c.describe()).count).toBe(1);
      expect(await c.get(['ok', 'x', 'dup'])).toEqual([]);
      for (const topK of [0, -1, 10_001, 1.5, NaN]) await expect(c.query({ vector: [1, 2, 3], topK })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(c.query({ vector: [1, 2], topK: 1 })).rejects.toBeInstanceOf(InvalidVectorError);
      await expect(c.query({ topK: 1 } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(c.update('keep', { vector: [NaN, 1, 1] })).rejects.toBeInstanceOf(InvalidVectorError);
      expect((await c.get(['keep'], { includeVectors: true }))[0]!.vector).toEqual([1, 2, 3]);
    });

    it('reports progress of a large upsert', async () => {
      const store = await storeFor('cosine', 4);
      const c = await store.createCollection({ name: 'bulk', dimension: 4 });
      const random = seeded(5);
      const seen: Progress[] = [];
      await c.upsert(Array.from({ length: 2_500 }, (_, i) => ({ id: `b${i}`, vector: randomVector(random, 4) })), { onProgress: (p) => seen.push(p) });
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.at(-1)).toEqual({ operation: 'upsert', done: 2_500, total: 2_500 });
      expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
      expect((await c.describe()).count).toBe(2_500);
    });

    it('k-means recovers known clusters', async () => {
      const store = await storeFor('euclidean', 3);
      const c = await store.createCollection({ name: 'clusters', dimension: 3, metric: 'euclidean' });
      const random = seeded(9);
      const centres = [[10, 0, 0], [0, 10, 0], [0, 0, 10]];
      const records = Array.from({ length: 90 }, (_, i) => {
        const centre = centres[i % 3]!;
        return { id: `p${i}`, vector: centre.map((x) => x + (random() - 0.5)), metadata: { truth: i % 3 } };
      });
      await c.upsert(records);
      const result = await kmeans(c, { k: 3, seed: 1 });
      expect(result.sizes.sort()).toEqual([30, 30, 30]);
      const clusterOf = new Map(result.assignments.map((a) => [a.id, a.cluster]));
      for (const truth of [0, 1, 2]) {
        const clusters = new Set(records.filter((r) => r.metadata.truth === truth).map((r) => clusterOf.get(r.id)));
        expect(clusters.size).toBe(1); // every point of a true cluster lands together
      }
      for (const centroid of result.centroids) expect(centres.some((c2) => c2.every((x, i) => Math.abs(x - centroid[i]!) < 0.5))).toBe(true);
      expect(result.inertia).toBeLessThan(90 * 0.75);
      const subset = await kmeans(c, { k: 2, filter: { truth: { $in: [0, 1] } } });
      expect(subset.assignments).toHaveLength(60);
    });

    it('finds planted outliers', async () => {
      const store = await storeFor('euclidean', 4);
      const c = await store.createCollection({ name: 'anomalies', dimension: 4, metric: 'euclidean' });
      const random = seeded(13);
      const normal = Array.from({ length: 120 }, (_, i) => ({ id: `n${i}`, vector: randomVector(random, 4).map((x) => x * 0.5) }));
      const planted = [
        { id: 'out-1', vector: [8, 8, 8, 8] },
        { id: 'out-2', vector: [-9, 7, -8, 9] },
      ];
      await c.upsert([...normal, ...planted]);
      const byZ = await outliers(c, { k: 3, zScore: 3 });
      expect(byZ.outliers.map((o) => o.id).sort()).toEqual(['out-1', 'out-2']);
      const byTop = await outliers(c, { k: 3, top: 2 });
      expect(byTop.outliers.map((o) => o.id).sort()).toEqual(['out-1', 'out-2']);
      expect(byTop.scored).toBe(122);
    });
  });
}
