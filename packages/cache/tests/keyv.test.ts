import keyvTestSuite from '@keyv/test-suite';
import Keyv from 'keyv';
import { Cache, keyvStore } from '../src';

// @keyv/test-suite is written for vitest's `test` object; this hands it jest's equivalents.
const jestAdapter = {
  it: (name: string, fn: (t: { expect: typeof expect }) => unknown) => it(name, async () => void (await fn({ expect }))),
  beforeEach,
  afterEach,
  describe,
};

describe('keyvStore(cache) passes @keyv/test-suite', () => {
  keyvTestSuite(jestAdapter as never, Keyv as never, () => keyvStore(new Cache()));
});

describe('keyvStore(cache) as a Keyv store', () => {
  it('shares entries with the cache it wraps', async () => {
    const cache = new Cache();
    const keyv = new Keyv({ store: keyvStore(cache), namespace: 'app' });
    await keyv.set('greeting', 'hello');
    expect(await keyv.get('greeting')).toBe('hello');
    expect(cache.stats().l1.entries).toBe(1);
    await keyv.clear();
    expect(await keyv.get('greeting')).toBeUndefined();
  });
});

describe('keyvStore(cache) behind cache-manager', () => {
  it('serves as a cache-manager v7 store through Keyv', async () => {
    const { createCache } = await import('cache-manager');
    const cache = new Cache();
    const manager = createCache({ stores: [new Keyv({ store: keyvStore(cache) })] });
    await manager.set('answer', 42, 10_000);
    expect(await manager.get('answer')).toBe(42);
    expect(await manager.wrap('computed', async () => 'once')).toBe('once');
    expect(cache.stats().l1.entries).toBe(2);
  });
});
