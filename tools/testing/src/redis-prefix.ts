import { createClient } from 'redis';
import { testEnv } from './env';
import { uniqueName } from './unique-name';

/** A Redis key prefix owned by one test file; `drop()` removes every key under it. */
export interface RedisScratch {
  /** Prefix ending in `:`, unique to this run. */
  prefix: string;
  /** Redis URL of the test server. */
  url: string;
  /** Removes all keys under the prefix (SCAN + UNLINK). */
  drop(): Promise<number>;
}

/** Reserves a unique key prefix on the test Redis. */
export function createRedisPrefix(name = 'test'): RedisScratch {
  const url = testEnv().redisUrl;
  const prefix = `${uniqueName(name)}:`;
  return {
    prefix,
    url,
    async drop() {
      const client = createClient({ url });
      await client.connect();
      let removed = 0;
      try {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length > 0) removed += await client.unlink(keys);
        }
      } finally {
        client.destroy();
      }
      return removed;
    },
  };
}
