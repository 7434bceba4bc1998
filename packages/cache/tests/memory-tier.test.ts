import { Cache, InvalidKeyError, InvalidTtlError, InvalidValueError, MemoryPressureGuard, MemoryTier, TtlMap } from '../src';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MemoryTier', () => {
  it('stores and reads values and counts hits and misses', () => {
    const tier = new MemoryTier<string>();
    tier.set('a', 'one');
    expect(tier.get('a')).toBe('one');
    expect(tier.get('b')).toBeUndefined();
    expect(tier.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1, hitRate: 0.5 });
  });

  it('expires entries after their TTL; per-call TTL overrides the instance default', async () => {
    const tier = new MemoryTier<string>({ ttl: 10_000 });
    tier.set('short', 'x', { ttl: 30 });
    tier.set('long', 'y');
    await sleep(60);
    expect(tier.get('short')).toBeUndefined();
    expect(tier.get('long')).toBe('y');
  });

  it('keeps expired values for getStale within grace and counts stale hits', async () => {
    const tier = new MemoryTier<string>({ ttl: 20, grace: 10_000 });
    tier.set('k', 'v');
    await sleep(40);
    expect(tier.get('k')).toBeUndefined();
    expect(tier.getStale('k')).toBe('v');
    expect(tier.stats().staleHits).toBe(1);
  });

  it('evicts least recently used entries beyond max', () => {
    const tier = new MemoryTier<number>({ max: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) tier.set(k, i);
    tier.get('a'); // a is now most recent; b is the oldest
    tier.set('d', 3);
    expect(tier.get('b')).toBeUndefined();
    expect(tier.get('a')).toBe(0);
    expect(tier.stats()).toMatchObject({ entries: 3, evictions: 1 });
  });

  it('evicts by estimated bytes', () => {
    const tier = new MemoryTier<string>({ maxBytes: 1_000 });
    for (let i = 0; i < 10; i++) tier.set(`k${i}`, 'x'.repeat(200)); // ~416 bytes each
    const stats = tier.stats();
    expect(stats.bytes).toBeLessThanOrEqual(1_000);
    expect(stats.entries).toBe(2);
    expect(stats.evictions).toBe(8);
    expect(tier.get('k9')).toBe('x'.repeat(200));
  });

  it('evictFraction drops the least recently used share', () => {
    const tier = new MemoryTier<number>();
    for (let i = 0; i < 100; i++) tier.set(`k${i}`, i);
    expect(tier.evictFraction(0.25)).toBe(25);
    expect(tier.size).toBe(75);
    expect(tier.get('k0')).toBeUndefined();
    expect(tier.get('k99')).toBe(99);
    expect(tier.stats().evictions).toBe(25);
  });

  it('clears by prefix', () => {
    const tier = new MemoryTier<number>();
    tier.set('users:1', 1);
    tier.set('users:2', 2);
    tier.set('orders:1', 3);
    expect(tier.clear('users:')).toBe(2);
    expect([...tier.keys()]).toEqual(['orders:1']);
  });

  it.each([
    ['an empty key', () => new MemoryTier().set('', 1), InvalidKeyError],
    ['a non-string key', () => new MemoryTier().set(42 as unknown as string, 1), InvalidKeyError],
    ['a key over 1 KiB', () => new MemoryTier().set('é'.repeat(513), 1), InvalidKeyError],
    ['an undefined value', () => new MemoryTier().set('k', undefined), InvalidValueError],
    ['a negative TTL', () => new MemoryTier().set('k', 1, { ttl: -1 }), InvalidTtlError],
    ['a NaN TTL', () => new MemoryTier().set('k', 1, { ttl: Number.NaN }), InvalidTtlError],
    ['a NaN default TTL', () => new MemoryTier({ ttl: Number.NaN }), InvalidTtlError],
  ])('rejects %s with a typed error and writes nothing', (_name, act, type) => {
    expect(act).toThrow(type);
  });

  it('accepts a key of exactly 1 KiB', () => {
    const tier = new MemoryTier<number>();
    tier.set('k'.repeat(1024), 1);
    expect(tier.get('k'.repeat(1024))).toBe(1);
  });
});

describe('MemoryPressureGuard', () => {
  it('evicts the configured fraction only while heap use is over the threshold', () => {
    const tier = new MemoryTier<number>();
    for (let i = 0; i < 40; i++) tier.set(`k${i}`, i);
    let heap = 100;
    const evictions: number[] = [];
    const guard = new MemoryPressureGuard([tier], {
      threshold: 1_000,
      evictFraction: 0.5,
      intervalMs: 0,
      readHeapUsed: () => heap,
      onEvict: (n) => evictions.push(n),
    });
    expect(guard.check()).toBe(0);
    heap = 2_000;
    expect(guard.check()).toBe(20);
    expect(guard.check()).toBe(10);
    expect(tier.size).toBe(10);
    expect(evictions).toEqual([20, 10]);
    guard.stop();
  });

  it('sheds entries of a Cache\'s memory tier (the cache is a target itself)', async () => {
    const cache = new Cache();
    for (let i = 0; i < 40; i++) await cache.set(`k${i}`, i);
    const guard = new MemoryPressureGuard([cache], { threshold: 1_000, evictFraction: 0.25, intervalMs: 0, readHeapUsed: () => 2_000 });
    expect(guard.check()).toBe(10);
    expect(cache.stats().l1.entries).toBe(30);
    expect(cache.stats().l1.evictions).toBeGreaterThanOrEqual(10);
    guard.stop();
    await cache.close();
  });

  it('reads a ratio threshold against the V8 heap limit', () => {
    const guard = new MemoryPressureGuard([], { threshold: 0.5, intervalMs: 0 });
    expect(guard.thresholdBytes).toBeGreaterThan(1024 * 1024);
    guard.stop();
  });
});

describe('TtlMap', () => {
  it('behaves like a Map with a TTL per entry', async () => {
    const map = new TtlMap<number>({ ttl: 10_000 });
    map.set('a', 1).set('b', 2, 20);
    expect(map.get('a')).toBe(1);
    expect(map.has('b')).toBe(true);
    expect(map.size).toBe(2);
    await sleep(40);
    expect(map.has('b')).toBe(false);
    expect([...map]).toEqual([['a', 1]]);
    expect([...map.keys()]).toEqual(['a']);
    expect(map.delete('a')).toBe(true);
    expect(map.size).toBe(0);
  });
});
