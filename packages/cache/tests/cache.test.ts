import { Cache, FactoryTimeoutError, InvalidKeyError, InvalidTtlError, InvalidValueError, WriteBehindError, cached, invalidates } from '../src';
import type { WriteBehindItem } from '../src';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Cache (memory only)', () => {
  it('getOrSet runs the factory once for 1,000 concurrent callers on a cold key', async () => {
    const cache = new Cache();
    let calls = 0;
    const factory = async () => {
      calls++;
      await sleep(20);
      return { id: 7 };
    };
    const results = await Promise.all(Array.from({ length: 1_000 }, () => cache.getOrSet('user:7', factory)));
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toEqual({ id: 7 });
    expect(await cache.getOrSetDetailed('user:7', factory)).toEqual({ value: { id: 7 }, status: 'hit' });
  });

  it('reports miss, then hit; stats count them', async () => {
    const cache = new Cache();
    expect((await cache.getOrSetDetailed('k', () => 1)).status).toBe('miss');
    expect((await cache.getOrSetDetailed('k', () => 2)).status).toBe('hit');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, factoryCalls: 1 });
  });

  it('serves the stale value within grace when the factory fails (graced)', async () => {
    const cache = new Cache({ ttl: 20, grace: 60_000 });
    await cache.set('k', 'old');
    await sleep(40);
    const failing = async () => {
      throw new Error('database down');
    };
    expect(await cache.getOrSetDetailed('k', failing)).toEqual({ value: 'old', status: 'graced' });
    expect(cache.stats()).toMatchObject({ graced: 1, factoryErrors: 1 });
  });

  it('rethrows the factory error when there is nothing within grace', async () => {
    const cache = new Cache({ ttl: 20, grace: 0 });
    await cache.set('k', 'old');
    await sleep(40);
    await expect(cache.getOrSet('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('serves stale after the soft timeout and stores the slow result when it lands', async () => {
    const cache = new Cache({ ttl: 20, grace: 60_000 });
    await cache.set('k', 'old');
    await sleep(40);
    let release!: () => void;
    const slow = () => new Promise<string>((resolve) => (release = () => resolve('new')));
    expect(await cache.getOrSetDetailed('k', slow, { softTimeoutMs: 10 })).toEqual({ value: 'old', status: 'stale' });
    release();
    await sleep(10);
    expect(await cache.get('k')).toBe('new');
  });

  it('gives up at the hard timeout with FactoryTimeoutError and aborts the factory signal', async () => {
    const cache = new Cache();
    let aborted = false;
    const never = ({ signal }: { signal: AbortSignal }) =>
      new Promise<string>(() => signal.addEventListener('abort', () => (aborted = true)));
    await expect(cache.getOrSet('k', never, { hardTimeoutMs: 30 })).rejects.toBeInstanceOf(FactoryTimeoutError);
    expect(aborted).toBe(true);
    expect(cache.stats().factoryTimeouts).toBe(1);
  });

  it('refreshes ahead in the background once the remaining TTL is under the threshold', async () => {
    const cache = new Cache({ ttl: 100, refreshAhead: 0.5 });
    let version = 0;
    const factory = async () => ++version;
    expect(await cache.getOrSet('k', factory)).toBe(1);
    await sleep(70); // 30 ms left of 100: under half
    expect(await cache.getOrSet('k', factory)).toBe(1); // served at once...
    await sleep(10);
    expect(await cache.get('k')).toBe(2); // ...while the refresh landed
  });

  it('invalidates by tag without touching untagged entries', async () => {
    const cache = new Cache();
    await cache.set('user:1', 'a', { tags: ['users'] });
    await cache.set('user:2', 'b', { tags: ['users', 'admins'] });
    await cache.set('order:1', 'c');
    await cache.deleteByTag('users');
    expect(await cache.getMany(['user:1', 'user:2', 'order:1'])).toEqual([undefined, undefined, 'c']);
    await cache.set('user:1', 'a2', { tags: ['users'] });
    expect(await cache.get('user:1')).toBe('a2'); // written after the invalidation
  });

  it('namespaces keep keys apart and clear(namespace) clears only that one', async () => {
    const cache = new Cache();
    const users = cache.namespace('users');
    await users.set('1', 'u1');
    await cache.set('1', 'root1');
    expect(await users.get('1')).toBe('u1');
    expect(await cache.get('users:1')).toBe('u1');
    await cache.clear('users');
    expect(await users.get('1')).toBeUndefined();
    expect(await cache.get('1')).toBe('root1');
  });

  it('write-behind batches writes to the sink and close() flushes what is queued', async () => {
    const batches: WriteBehindItem[][] = [];
    const cache = new Cache({
      writeBehind: { sink: async (batch) => void batches.push(batch), batchSize: 2, flushIntervalMs: 60_000 },
    });
    await cache.writeBehind('a', 1);
    await cache.writeBehind('b', 2); // full batch: flushed
    await cache.writeBehind('c', 3);
    await cache.writeBehind('c', 4); // coalesced with the queued 'c'
    expect(await cache.get('c')).toBe(4);
    await cache.close();
    expect(batches.flat()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'c', value: 4 },
    ]);
  });

  it('write-behind retries a failing sink and close() throws rather than lose writes', async () => {
    let attempts = 0;
    const delivered: WriteBehindItem[] = [];
    const cache = new Cache({
      writeBehind: {
        sink: async (batch) => {
          attempts++;
          if (attempts < 3) throw new Error('sink busy');
          delivered.push(...batch);
        },
        maxAttempts: 5,
        initialDelayMs: 1,
        flushIntervalMs: 60_000,
      },
    });
    await cache.writeBehind('a', 1);
    await cache.flush();
    expect(delivered).toEqual([{ key: 'a', value: 1 }]);
    expect(attempts).toBe(3);

    const broken = new Cache({
      writeBehind: { sink: () => Promise.reject(new Error('gone')), maxAttempts: 2, initialDelayMs: 1, flushIntervalMs: 60_000 },
    });
    await broken.writeBehind('x', 1);
    await expect(broken.close()).rejects.toBeInstanceOf(WriteBehindError);
    expect(broken.stats().writeBehind).toMatchObject({ pending: 1, failures: 1 });
  });

  it.each([
    ['an empty key', (c: Cache) => c.set('', 1), InvalidKeyError],
    ['a non-string key', (c: Cache) => c.get(5 as unknown as string), InvalidKeyError],
    ['a 2 KiB key', (c: Cache) => c.getOrSet('k'.repeat(2048), () => 1), InvalidKeyError],
    ['an undefined value', (c: Cache) => c.set('k', undefined), InvalidValueError],
    ['a factory returning undefined', (c: Cache) => c.getOrSet('k', () => undefined), InvalidValueError],
    ['a negative TTL', (c: Cache) => c.set('k', 1, { ttl: -5 }), InvalidTtlError],
    ['a NaN TTL', (c: Cache) => c.set('k', 1, { ttl: Number.NaN }), InvalidTtlError],
    ['a TTL outside its tier', (c: Cache) => c.set('k', 1, { tier: 'hot', ttl: 1_000 }), InvalidTtlError],
    ['an unknown tier', (c: Cache) => c.set('k', 1, { tier: 'lukewarm' }), InvalidTtlError],
  ])('rejects %s with a typed error and stores nothing', async (_name, act, type) => {
    const cache = new Cache();
    await expect(act(cache)).rejects.toBeInstanceOf(type);
    expect(cache.stats().l1.entries).toBe(0);
  });

  it('emits events a monitor can count', async () => {
    const cache = new Cache();
    const seen: string[] = [];
    cache.on('hit', () => seen.push('hit')).on('miss', () => seen.push('miss')).on('set', () => seen.push('set'));
    await cache.getOrSet('k', () => 1);
    await cache.get('k');
    expect(seen).toEqual(['miss', 'set', 'hit']);
  });
});

describe('cached / invalidates', () => {
  it('caches query results by key and drops them when a tagged write succeeds', async () => {
    const cache = new Cache();
    const rows = new Map([[1, 'Ada']]);
    let queries = 0;
    const findUser = cached(cache, async (id: number) => (queries++, rows.get(id) ?? null), {
      key: (id) => `user:${id}`,
      tags: (id) => [`user:${id}`],
    });
    const renameUser = invalidates(cache, async (id: number, name: string) => void rows.set(id, name), (id) => [`user:${id}`]);
    const failingWrite = invalidates(cache, async (_id: number) => {
      throw new Error('constraint violation');
    }, (id) => [`user:${id}`]);

    expect(await findUser(1)).toBe('Ada');
    expect(await findUser(1)).toBe('Ada');
    expect(queries).toBe(1);
    await expect(failingWrite(1)).rejects.toThrow('constraint violation');
    expect(await findUser(1)).toBe('Ada');
    expect(queries).toBe(1);
    await renameUser(1, 'Grace');
    expect(await findUser(1)).toBe('Grace');
    expect(queries).toBe(2);
  });
});
