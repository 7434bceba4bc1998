import type { BreakerState } from './tier-stats';

/** Write options of a shared tier. */
export interface L2SetOptions {
  /** TTL in ms (0: no expiry). */
  ttl?: number;
  /** Named TTL tier (`hot`, `warm`, `cold` by default). */
  tier?: string;
}

/** Health of a shared tier. */
export interface L2Health {
  status: 'up' | 'down';
  detail?: string;
}

/**
 * What the multi-tier cache needs of its shared second tier. `@core/cache/redis` provides one;
 * any other store can implement it. Failures reject with `L2UnavailableError`, promptly.
 */
export interface L2Tier {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
  set(key: string, value: unknown, options?: L2SetOptions): Promise<void>;
  setMany(items: Array<{ key: string; value: unknown } & L2SetOptions>): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<number>;
  /** Deletes every key starting with `prefix`. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** Takes a lock with a TTL; resolves to the owner token, or `undefined` if someone holds it. */
  tryLock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases a lock if `token` still owns it. */
  unlock(key: string, token: string): Promise<void>;
  health(): Promise<L2Health>;
  stats(): L2Stats;
  close(): Promise<void>;
}

/** Counters of a shared tier. */
export interface L2Stats {
  hits: number;
  misses: number;
  errors: number;
  timeouts: number;
  /** Calls refused at once because the circuit was open. */
  rejected: number;
  breaker: BreakerState;
}
