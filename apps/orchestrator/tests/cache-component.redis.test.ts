import { freePort, testEnv } from '@core/testing';
import { CacheComponent } from '../src/components/cache-component';
import { createLogger } from '../src/logger';
import { serviceWith } from './helpers';
import { Writable } from 'node:stream';

const quietLogger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

describe('CacheComponent', () => {
  it('development: a memory cache that reports up', async () => {
    const component = new CacheComponent({ kind: 'memory' }, quietLogger);
    await component.start();
    await component.cache.set('k', 1);
    expect(await component.cache.get('k')).toBe(1);
    expect(await component.health()).toEqual({ status: 'up' });
    await component.stop();
  });

  it('production: memory + Redis, up while Redis answers', async () => {
    const component = new CacheComponent({ kind: 'tiered', redisUrl: testEnv().redisUrl }, quietLogger);
    await component.start();
    try {
      expect(await component.health()).toEqual({ status: 'up' });
      expect(component.cache.stats().l2).toBeDefined();
    } finally {
      await component.stop();
    }
  });

  it('production with Redis unreachable: /readyz stays 200 and names the cache degraded', async () => {
    const component = new CacheComponent({ kind: 'tiered', redisUrl: `redis://127.0.0.1:${await freePort()}` }, quietLogger);
    const { service } = serviceWith([component], 2_000);
    await service.start();
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { components: unknown[] };
      expect(body.components).toEqual([
        { name: 'cache', status: 'degraded', detail: expect.stringContaining('L2'), latencyMs: expect.any(Number) },
      ]);
      expect(await component.cache.getOrSet('k', () => 'from factory')).toBe('from factory');
    } finally {
      await service.stop();
    }
  });
});
