import { createRedisPrefix, type RedisScratch } from '@core/testing';
import { Cache, type CacheOptions } from '../src';
import { redisBus, redisTier, type RedisTierOptions } from '../src/redis';

/** A cache instance with memory + Redis + bus under a scratch prefix: one "server process" of a fleet. */
export function tieredCache(scratch: RedisScratch, options: CacheOptions = {}, tierOptions: Partial<RedisTierOptions> = {}): Cache {
  const l2 = redisTier({ url: scratch.url, prefix: scratch.prefix.slice(0, -1), ...tierOptions } as RedisTierOptions);
  return new Cache({ l2, bus: redisBus(l2), ...options });
}

/** Runs `body` with a fresh Redis prefix, dropped afterwards. */
export async function withPrefix(name: string, body: (scratch: RedisScratch) => Promise<void>): Promise<void> {
  const scratch = createRedisPrefix(name);
  try {
    await body(scratch);
  } finally {
    await scratch.drop();
  }
}

/** Polls until `check` passes or `timeoutMs` elapses (for asynchronous delivery such as pub/sub). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
