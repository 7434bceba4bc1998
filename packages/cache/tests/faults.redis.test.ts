import { createClient } from 'redis';
import { freePort, settleWithin, startFaultProxy, startRedisServer, startSilentServer, testEnv, watchProcessFaults } from '@core/testing';
import { Cache } from '../src';
import { redisBus, redisTier } from '../src/redis';
import { eventually } from './helpers';

const resilience = { timeoutMs: 200, failureThreshold: 2, halfOpenAfterMs: 300 };

function cacheOn(url: string): Cache {
  const l2 = redisTier({ url, prefix: 'faults', ...resilience });
  return new Cache({ l2, bus: redisBus(l2, resilience) });
}

describe('Cache when Redis misbehaves', () => {
  it('Redis port closed at start-up: serves from memory and the factory, then fails fast', async () => {
    const cache = cacheOn(`redis://127.0.0.1:${await freePort()}`);
    try {
      for (let i = 0; i < 5; i++) {
        expect(await cache.getOrSet(`k${i}`, () => `v${i}`)).toBe(`v${i}`);
      }
      expect(await cache.get('k0')).toBe('v0'); // memory keeps serving
      const l2 = cache.stats().l2!;
      expect(l2.breaker).toBe('open');
      expect(l2.errors).toBe(resilience.failureThreshold); // then nothing more reached the network...
      expect(l2.rejected).toBeGreaterThan(0); // ...calls were refused at once
      expect((await cache.health()).status).toBe('degraded');
    } finally {
      await cache.close();
    }
  });

  it('Redis that accepts connections but never answers: each call costs at most the timeout, then nothing', async () => {
    const silent = await startSilentServer();
    const cache = cacheOn(silent.url);
    try {
      expect(await cache.getOrSet('a', () => 1)).toBe(1);
      expect(await cache.getOrSet('b', () => 2)).toBe(2);
      const before = cache.stats().l2!;
      expect(before.breaker).toBe('open');
      expect(before.timeouts).toBeGreaterThan(0);
      expect(await cache.getOrSet('c', () => 3)).toBe(3);
      const after = cache.stats().l2!;
      expect(after.timeouts).toBe(before.timeouts); // no further waiting on the silent server
      expect(after.rejected).toBeGreaterThan(before.rejected);
      expect(silent.received()).toBeGreaterThan(0); // the client really did talk to it
    } finally {
      await cache.close();
      await silent.stop();
    }
  });

  it('concurrent calls on a silent Redis share one deadline and count once toward the breaker', async () => {
    const silent = await startSilentServer();
    const l2 = redisTier({ url: silent.url, prefix: 'faults', ...resilience });
    try {
      const first = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => l2.get(`k${i}`)));
      expect(first.every((r) => r.status === 'rejected' && /timed out after 200 ms/.test(String(r.reason)))).toBe(true);
      expect(l2.stats()).toMatchObject({ timeouts: 64, breaker: 'closed' }); // one failed batch of two allowed
      await expect(l2.get('again')).rejects.toThrow(/timed out/);
      expect(l2.stats().breaker).toBe('open');
      await expect(l2.get('refused')).rejects.toThrow(/circuit open/);
      expect(l2.stats()).toMatchObject({ timeouts: 65, rejected: 1 });
    } finally {
      await l2.close();
      await silent.stop();
    }
  });

  it('Redis stopped during a run and restarted: keeps serving, then recovers by itself', async () => {
    const server = await startRedisServer();
    const cache = cacheOn(server.url);
    const raw = createClient({ url: server.url });
    try {
      await cache.set('before', 'stored');
      await server.stop();
      expect(await cache.get('before')).toBe('stored'); // from memory
      expect(await cache.getOrSet('during', () => 'computed')).toBe('computed');
      await cache.set('during-2', 'x');
      await cache.set('during-3', 'x');
      await eventually(() => cache.stats().l2!.breaker === 'open');

      await server.start();
      await raw.connect();
      // After half-open trials succeed the breaker closes and writes reach Redis again.
      await eventually(async () => {
        await cache.set('after', 'back');
        return cache.stats().l2!.breaker === 'closed' && (await raw.exists('faults:after')) === 1;
      }, 15_000);
      expect(await cache.get('after')).toBe('back');
    } finally {
      raw.destroy();
      await cache.close();
      await server.stop();
    }
  });

  describe.each([
    ['stall mid-traffic', (p: Awaited<ReturnType<typeof startFaultProxy>>) => p.stall()],
    ['reset', (p: Awaited<ReturnType<typeof startFaultProxy>>) => p.reset()],
    ['refused', (p: Awaited<ReturnType<typeof startFaultProxy>>) => p.refuse()],
  ])('through the fault proxy: %s', (name, fault) => {
    it('every call settles (memory and the factory answer), nothing is uncaught, and L2 is used again once the fault clears', async () => {
      const proxy = await startFaultProxy({ port: Number(new URL(testEnv().redisUrl).port || 6379) });
      const watch = watchProcessFaults();
      const prefix = `faults-proxy-${process.pid}-${name.replace(/\W/g, '')}`;
      const l2 = redisTier({ url: proxy.url(testEnv().redisUrl), prefix, ...resilience });
      const cache = new Cache({ l2, bus: redisBus(l2, resilience) });
      const raw = createClient({ url: testEnv().redisUrl });
      await raw.connect();
      try {
        await cache.set('warm', 1); // connections are up before the fault
        await fault(proxy);
        const calls = Array.from({ length: 20 }, (_, i) => () => (i % 2 === 0 ? cache.getOrSet(`k${i}`, () => i) : cache.set(`s${i}`, i)));
        const report = await settleWithin([...calls, () => cache.get('warm'), () => cache.deleteByTag('t'), () => cache.health()], 15_000);
        console.log(`cache ${name}`, report);
        expect(report.pending).toBe(0);
        expect(report.resolved).toBe(report.calls); // the Cache absorbs L2 failures
        await proxy.clear();
        await eventually(async () => {
          await cache.set('after', 'back');
          return (await raw.exists(`${prefix}:after`)) === 1;
        }, 15_000);
      } finally {
        await cache.close();
        raw.destroy();
        await proxy.stop();
        expect(watch.stop()).toEqual([]);
      }
    }, 40_000);
  });
});
