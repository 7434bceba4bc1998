import { createClient } from 'redis';
import { createRedisPrefix, type RedisScratch } from '@core/testing';
import { InvalidTtlError, SerializationError } from '../src';
import { redisTier, type RedisTier } from '../src/redis';
import { isCompressed } from '../src/redis/codec';

describe('RedisTier (real Redis)', () => {
  let scratch: RedisScratch;
  let tier: RedisTier;
  let raw: ReturnType<typeof createClient>;

  beforeEach(async () => {
    scratch = createRedisPrefix('tier');
    tier = redisTier({ url: scratch.url, prefix: scratch.prefix.slice(0, -1) });
    raw = createClient({ url: scratch.url });
    await raw.connect();
  });

  afterEach(async () => {
    await tier.close();
    raw.destroy();
    await scratch.drop();
  });

  it('namespaces keys as prefix:namespace:key', async () => {
    const users = tier.namespace('users');
    await users.set('42', { name: 'Ada' });
    expect(await raw.exists(`${scratch.prefix}users:42`)).toBe(1);
    expect(await users.get('42')).toEqual({ name: 'Ada' });
    expect(await tier.get('42')).toBeUndefined();
  });

  it('compresses values above the threshold, marks them, and reads them back', async () => {
    const big = { text: 'lorem ipsum '.repeat(500), when: new Date(0), n: 10n };
    await tier.set('big', big);
    await tier.set('small', 'tiny');
    await tier.set('long string', 'é'.repeat(3_000));
    await tier.set('json-looking string', '{"a":1}');
    const stored = (await raw.get(`${scratch.prefix}big`))!;
    expect(isCompressed(stored)).toBe(true);
    expect(stored.length).toBeLessThan(1_000); // 6 KB of text
    const small = (await raw.get(`${scratch.prefix}small`))!;
    expect(isCompressed(small)).toBe(false);
    expect(await tier.get('big')).toEqual(big);
    expect(await tier.get('small')).toBe('tiny');
    expect(await raw.get(`${scratch.prefix}small`)).toBe('stiny'); // a plain string is stored as itself
    expect(isCompressed((await raw.get(`${scratch.prefix}long string`))!)).toBe(true);
    expect(await tier.get('long string')).toBe('é'.repeat(3_000));
    expect(await tier.get('json-looking string')).toBe('{"a":1}');
  });

  it('applies TTLs and named tiers', async () => {
    await tier.set('a', 1, { ttl: 5_000 });
    await tier.set('b', 1, { tier: 'warm' });
    const ttlA = await raw.pTTL(`${scratch.prefix}a`);
    const ttlB = await raw.pTTL(`${scratch.prefix}b`);
    expect(ttlA).toBeGreaterThan(4_000);
    expect(ttlA).toBeLessThanOrEqual(5_000);
    expect(ttlB).toBeGreaterThan(14 * 60_000);
    await expect(tier.set('c', 1, { tier: 'cold', ttl: 60_000 })).rejects.toBeInstanceOf(InvalidTtlError);
    expect(await raw.exists(`${scratch.prefix}c`)).toBe(0);
  });

  it('getMany / setMany / deleteMany', async () => {
    await tier.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: [2] },
      { key: 'c', value: { three: 3 } },
    ]);
    expect(await tier.getMany(['a', 'b', 'x', 'c'])).toEqual([1, [2], undefined, { three: 3 }]);
    expect(await tier.deleteMany(['a', 'c', 'x'])).toBe(2);
    expect(await tier.getMany(['a', 'b', 'c'])).toEqual([undefined, [2], undefined]);
  });

  it('a custom binary serializer round-trips, compressed or not', async () => {
    const binary = redisTier({
      url: scratch.url,
      prefix: scratch.prefix.slice(0, -1),
      namespace: 'bin',
      serializer: {
        serialize: (v) => Buffer.from(String(v), 'latin1'),
        deserialize: (d) => (typeof d === 'string' ? d : d.toString('latin1')),
      },
    });
    await binary.set('short', 'héllo');
    await binary.set('long', 'ab'.repeat(2_000));
    expect(await binary.get('short')).toBe('héllo');
    expect(await binary.get('long')).toBe('ab'.repeat(2_000));
    expect(isCompressed((await raw.get(`${scratch.prefix}bin:long`))!)).toBe(true);
    await binary.close();
  });

  it('setMany with one unserializable value writes nothing', async () => {
    await expect(tier.setMany([{ key: 'ok', value: 1 }, { key: 'bad', value: { f: () => 1 } }])).rejects.toBeInstanceOf(
      SerializationError,
    );
    expect(await raw.exists([`${scratch.prefix}ok`, `${scratch.prefix}bad`])).toBe(0);
  });

  it('deleteByPrefix removes only matching keys, with SCAN + UNLINK', async () => {
    const items = Array.from({ length: 1_200 }, (_, i) => ({ key: `session:${i}`, value: i }));
    await tier.setMany(items);
    await tier.set('sessions-index', 'keep');
    await tier.set('session*literal', 'glob chars are escaped');
    const monitorCommands: string[] = [];
    const monitor = raw.duplicate();
    await monitor.connect();
    await monitor.monitor((line) => monitorCommands.push(line));
    expect(await tier.deleteByPrefix('session:')).toBe(1_200);
    await monitor.destroy();
    expect(await tier.get('sessions-index')).toBe('keep');
    expect(await tier.get('session*literal')).toBe('glob chars are escaped');
    expect(monitorCommands.some((c) => c.includes('"SCAN"'))).toBe(true);
    expect(monitorCommands.some((c) => c.includes('"KEYS"'))).toBe(false);
  });

  it('accepts a client the caller already has and leaves it open on close', async () => {
    const mine = createClient({ url: scratch.url });
    await mine.connect();
    const shared = redisTier({ client: mine, prefix: scratch.prefix.slice(0, -1), namespace: 'mine' });
    await shared.set('k', 'v');
    expect(await shared.get('k')).toBe('v');
    await shared.close();
    expect(mine.isOpen).toBe(true);
    expect(await mine.get(`${scratch.prefix}mine:k`)).not.toBeNull();
    mine.destroy();
  });

  it('locks are exclusive until released or expired', async () => {
    const token = await tier.tryLock('job', 10_000);
    expect(token).toEqual(expect.any(String));
    expect(await tier.tryLock('job', 10_000)).toBeUndefined();
    await tier.unlock('job', 'not-the-owner');
    expect(await tier.tryLock('job', 10_000)).toBeUndefined();
    await tier.unlock('job', token!);
    expect(await tier.tryLock('job', 50)).toEqual(expect.any(String));
    await new Promise((r) => setTimeout(r, 80));
    expect(await tier.tryLock('job', 50)).toEqual(expect.any(String));
  });

  it('reports health and stats', async () => {
    expect(await tier.health()).toEqual({ status: 'up' });
    await tier.get('missing');
    await tier.set('k', 1);
    await tier.get('k');
    expect(tier.stats()).toMatchObject({ hits: 1, misses: 1, errors: 0, breaker: 'closed' });
  });
});
