// The Redis series and insight against a private Redis behind a fault proxy: a stall, a reset and a
// refusal each settle within the deadline (redis_up 0; insight rejects with a typed error), nothing
// escapes the process, and both answer again once the fault clears.
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { settleWithin, startFaultProxy, startRedisServer, watchProcessFaults } from '@core/testing';
import type { FaultProxyHandle, RedisServerHandle } from '@core/testing';
import { MonitorError, RedisInsight, registerRedisMetrics } from '../src';
import { FAULTS } from './fault-cases';

jest.setTimeout(120_000);

const TIMEOUT_MS = 1_000;
const BOUND_MS = 5_000;


const redisUp = (text: string) => /^redis_up (\d)$/m.exec(text)?.[1];

describe.each(FAULTS)('the Redis monitor while Redis is %s', (label, fault) => {
  let server: RedisServerHandle;
  let proxy: FaultProxyHandle;
  let client: ReturnType<typeof createClient>;
  let watch: ReturnType<typeof watchProcessFaults>;
  beforeEach(async () => {
    server = await startRedisServer();
    proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    // As a service would configure it: a connect deadline, reconnects with a bounded delay, no offline queue growth.
    client = createClient({ url: proxy.url(server.url), socket: { connectTimeout: TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 500) } });
    client.on('error', () => undefined);
    await client.connect();
    watch = watchProcessFaults();
  });
  afterEach(async () => {
    await proxy.stop();
    client.destroy();
    await server.stop();
    expect(watch.stop()).toEqual([]);
  });

  it('a scrape reports redis_up 0 and insight rejects with a MonitorError within the deadline; both recover', async () => {
    const registry = new Registry();
    registerRedisMetrics(registry, client, { timeoutMs: TIMEOUT_MS });
    const insight = new RedisInsight(client, { timeoutMs: TIMEOUT_MS });
    expect(redisUp(await registry.metrics())).toBe('1');
    await insight.run();

    await fault(proxy);
    let text = '';
    let failure: unknown;
    const report = await settleWithin([async () => (text = await registry.metrics()), () => insight.run().catch((error: unknown) => void (failure = error))], BOUND_MS);
    console.log(label, report);
    expect(report.pending).toBe(0);
    expect(report.errors).toEqual({});
    expect(redisUp(text)).toBe('0');
    expect(failure).toBeInstanceOf(MonitorError); // CheckTimeoutError on a stall, QueryFailedError on a reset or refusal

    await proxy.clear();
    for (let i = 0; i < 50 && redisUp(await registry.metrics()) !== '1'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(redisUp(await registry.metrics())).toBe('1');
    expect((await insight.run()).info.role).toBe('master');
  });
});
