import { createClient } from 'redis';
import { createRedisPrefix } from '../src';

describe('createRedisPrefix', () => {
  it('removes only the keys under its own prefix', async () => {
    const a = createRedisPrefix('a');
    const b = createRedisPrefix('b');
    expect(a.prefix).not.toBe(b.prefix);
    const client = createClient({ url: a.url });
    await client.connect();
    try {
      await client.set(`${a.prefix}one`, '1');
      await client.set(`${a.prefix}two`, '2');
      await client.set(`${b.prefix}keep`, '3');
      expect(await a.drop()).toBe(2);
      expect(await client.exists([`${a.prefix}one`, `${a.prefix}two`])).toBe(0);
      expect(await client.get(`${b.prefix}keep`)).toBe('3');
    } finally {
      await b.drop();
      client.destroy();
    }
  });
});
