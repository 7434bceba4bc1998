import { createCluster } from 'redis';
import { startRedisCluster, type RedisClusterHandle } from '@core/testing';
import { Cache } from '../src';
import { redisTier } from '../src/redis';

describe('RedisTier with a Redis Cluster client (real 3-master cluster)', () => {
  let cluster: RedisClusterHandle;
  let client: ReturnType<typeof createCluster>;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = createCluster({ rootNodes: [{ url: cluster.urls[0] }] });
    await client.connect();
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await cluster?.stop();
  });

  it('spreads keys over the masters and batch calls still work across slots', async () => {
    const tier = redisTier({ client, prefix: 'cl' });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await tier.setMany(keys.map((key, i) => ({ key, value: i })));
    expect(await tier.getMany(keys)).toEqual(keys.map((_, i) => i));
    // Keys really live on more than one master.
    const perMaster = await Promise.all(client.masters.map(async (m) => (await client.nodeClient(m)).dbSize()));
    expect(perMaster.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(await tier.deleteMany(['k0', 'k1', 'nope'])).toBe(2);
    expect(await tier.deleteByPrefix('k')).toBe(48);
    expect(await tier.getMany(['k2', 'k3'])).toEqual([undefined, undefined]);
  });

  it('backs a multi-tier cache with locks', async () => {
    const cache = new Cache({ l2: redisTier({ client, prefix: 'cl2' }), lock: true });
    let calls = 0;
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('x', async () => ++calls)));
    expect(new Set(values)).toEqual(new Set([1]));
    expect(await redisTier({ client, prefix: 'cl2' }).get('x')).toMatchObject({ v: 1 });
  });
});
