import { Cache, WriteBehindFullError, type WriteBehindItem } from '../src';
import { sleep } from './helpers';

describe('write-behind keeps namespaces apart, bounds its queue, and close() always releases', () => {
  it('two namespaces writing the same key reach the sink as two writes', async () => {
    const batches: WriteBehindItem[][] = [];
    const cache = new Cache({ writeBehind: { sink: async (b) => void batches.push(b), flushIntervalMs: 60_000 } });
    await cache.namespace('a').writeBehind('k', 1);
    await cache.namespace('b').writeBehind('k', 2);
    await cache.close();
    expect(batches.flat()).toEqual([{ key: 'a:k', value: 1 }, { key: 'b:k', value: 2 }]);
  });

  it('a full queue refuses the write with a typed error and writes nothing', async () => {
    const cache = new Cache({ writeBehind: { sink: () => new Promise(() => undefined), maxPending: 2, batchSize: 100, flushIntervalMs: 60_000 } });
    await cache.writeBehind('a', 1);
    await cache.writeBehind('b', 2);
    await cache.writeBehind('a', 3); // a rewrite of a queued key takes no room
    const error = await cache.writeBehind('c', 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteBehindFullError);
    expect((error as WriteBehindFullError).code).toBe('CACHE_WRITE_BEHIND_FULL');
    expect(await cache.get('c')).toBeUndefined();
  });

});

describe('soft timeout', () => {
  it('serves stale but keeps the key single-flight until the slow factory finishes', async () => {
    const cache = new Cache({ ttl: 20, grace: 60_000 });
    await cache.set('k', 'old');
    await sleep(30);
    let runs = 0;
    const slow = async () => {
      runs++;
      await sleep(300);
      return 'new';
    };
    const first = await cache.getOrSetDetailed('k', slow, { softTimeoutMs: 10, ttl: 60_000 });
    expect(first).toEqual({ value: 'old', status: 'stale' });
    // While the first factory still runs, more callers must not start another one.
    const more = await Promise.all(Array.from({ length: 5 }, () => cache.getOrSetDetailed('k', slow, { softTimeoutMs: 10, ttl: 60_000 })));
    expect(more.every((r) => r.value === 'old')).toBe(true);
    expect(runs).toBe(1);
    await sleep(350);
    expect(await cache.get('k')).toBe('new');
    await cache.close();
  });
});


describe('tags stay bounded', () => {
  it('a tagged entry lives at most tagRetentionMs; the registry forgets tag times older than that', async () => {
    const cache = new Cache({ tagRetentionMs: 50, ttl: 0 });
    await cache.set('forever', 1, { tags: ['t'] });
    await sleep(70);
    expect(await cache.get('forever')).toBeUndefined(); // capped, so a forgotten invalidation cannot revive it
    for (let i = 0; i < 10_050; i++) await cache.deleteByTag(`tag-${i}`);
    await sleep(70);
    await cache.deleteByTag('one-more'); // past the prune threshold, times older than the retention go
    expect(cache.stats().tags).toBeLessThanOrEqual(10_001); // 10,051 tags invalidated; never more held than the threshold
    expect(await cache.get('forever')).toBeUndefined();
    await cache.close();
  });
});
