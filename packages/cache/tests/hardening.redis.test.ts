import { createClient } from 'redis';
import { createRedisPrefix, type RedisScratch } from '@core/testing';
import { Cache, WriteBehindError } from '../src';
import { redisBus, redisTier, type RedisTier } from '../src/redis';

describe('close() against a real Redis', () => {
  let scratch: RedisScratch;
  beforeEach(() => (scratch = createRedisPrefix('hardening')));
  afterEach(async () => scratch.drop());

  const tier = (): RedisTier => redisTier({ url: scratch.url, prefix: scratch.prefix.slice(0, -1) });

  it('two caches sharing one redisTier both close without error, and each close is idempotent', async () => {
    const l2 = tier();
    const a = new Cache({ l2 });
    const b = new Cache({ l2 });
    await a.set('k', 1);
    await a.close();
    await b.close();
    await b.close();
    await l2.close();
  });

  it('tag invalidation times expire in Redis after tagRetentionMs instead of living forever', async () => {
    const l2 = tier();
    const cache = new Cache({ l2, tagRetentionMs: 60_000 });
    await cache.deleteByTag('orders');
    const raw = createClient({ url: scratch.url });
    await raw.connect();
    const keys = await raw.keys(`${scratch.prefix}*orders*`);
    expect(keys).toHaveLength(1);
    const ttl = await raw.pTTL(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    raw.destroy();
    await cache.close();
  });

  it('a failed write-behind flush still closes the bus and L2, then throws', async () => {
    const l2 = tier();
    const bus = redisBus(l2);
    const cache = new Cache({ l2, bus, writeBehind: { sink: () => Promise.reject(new Error('down')), maxAttempts: 1, flushIntervalMs: 60_000 } });
    await cache.writeBehind('x', 1);
    await expect(cache.close()).rejects.toBeInstanceOf(WriteBehindError);
    expect((await l2.health()).status).toBe('down'); // the connection is gone: the process can exit
    await cache.close(); // and nothing is left to throw
  });
});
