import { eventually, sleep, tieredCache, withPrefix } from './helpers';

describe('Cache with a Redis tier (real Redis)', () => {
  it('reads L1 then L2 and promotes L2 hits into memory', () =>
    withPrefix('promote', async (scratch) => {
      const a = tieredCache(scratch);
      const b = tieredCache(scratch);
      try {
        await a.set('k', { v: 1 });
        const hits: string[] = [];
        b.on('hit', (e) => hits.push(e.tier));
        expect(await b.get('k')).toEqual({ v: 1 });
        expect(await b.get('k')).toEqual({ v: 1 });
        expect(hits).toEqual(['l2', 'l1']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));

  it('two instances calling a cold key with lock run the factory once across both', () =>
    withPrefix('stampede', async (scratch) => {
      const a = tieredCache(scratch, { lock: true });
      const b = tieredCache(scratch, { lock: true });
      let calls = 0;
      const factory = async () => {
        calls++;
        await sleep(50);
        return 'computed';
      };
      try {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).getOrSet('cold', factory)),
        );
        expect(calls).toBe(1);
        expect(new Set(results)).toEqual(new Set(['computed']));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));

  it('a write on one instance drops the key from the other instance memory (bus)', () =>
    withPrefix('bus', async (scratch) => {
      const a = tieredCache(scratch);
      const b = tieredCache(scratch);
      try {
        await sleep(100); // let both subscriptions settle
        await a.set('user:1', 'v1');
        expect(await b.get('user:1')).toBe('v1'); // now in b's memory too
        await a.set('user:1', 'v2');
        await eventually(async () => (await b.get('user:1')) === 'v2');
        await a.delete('user:1');
        await eventually(async () => (await b.get('user:1')) === undefined);
        expect(b.stats().bus.received).toBeGreaterThanOrEqual(2);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));

  it('deleteByTag and clear(namespace) reach every instance', () =>
    withPrefix('tags', async (scratch) => {
      const a = tieredCache(scratch);
      const b = tieredCache(scratch);
      try {
        await sleep(100);
        await a.set('p:1', 'one', { tags: ['products'] });
        await a.namespace('carts').set('c1', 'cart');
        expect(await b.get('p:1')).toBe('one');
        expect(await b.namespace('carts').get('c1')).toBe('cart');
        await a.deleteByTag('products');
        await eventually(async () => (await b.get('p:1')) === undefined);
        await a.clear('carts');
        await eventually(async () => (await b.namespace('carts').get('c1')) === undefined);
        // A third instance that never heard the bus message learns the tag time from Redis: the
        // invalidated entry is still stored in Redis but must not be served.
        const c = tieredCache(scratch);
        expect(await c.get('p:1')).toBeUndefined();
        await b.set('p:2', 'two', { tags: ['products'] });
        expect(await c.get('p:2')).toBe('two');
        await c.close();
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));

  it('rejects an unserializable value before writing either tier', () =>
    withPrefix('badvalue', async (scratch) => {
      const cache = tieredCache(scratch);
      try {
        await expect(cache.set('k', { when: new Date(), fn: () => 1 })).rejects.toMatchObject({ code: 'CACHE_SERIALIZATION' });
        expect(cache.stats().l1.entries).toBe(0);
        expect(await cache.get('k')).toBeUndefined();
      } finally {
        await cache.close();
      }
    }));
});
