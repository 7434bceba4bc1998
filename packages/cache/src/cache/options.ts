import type { ResultStatus } from '../cache-events';
import type { CacheBus } from '../cache-bus';
import type { L2Stats, L2Tier } from '../l2-tier';
import type { MemoryTierOptions, MemoryTierStats } from '../memory-tier';
import type { TtlTier } from '../ttl';
import type { WriteBehindOptions } from '../write-behind';

/** Options that can be set per instance and overridden per call. */
export interface EntryOptions {
  /** TTL in ms (0: no expiry). */
  ttl?: number;
  /** Named TTL tier instead of (or to check) `ttl`. */
  tier?: string;
  /** How long after expiry a stale value may be served when the factory fails or is slow, ms. */
  grace?: number;
  /** Tags for `deleteByTag`. */
  tags?: string[];
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends EntryOptions {
  /** With a stale value at hand, serve it if the factory takes longer than this (ms); it keeps running. */
  softTimeoutMs?: number;
  /** Give up on the factory after this (ms): serve stale within grace, else `FactoryTimeoutError`. */
  hardTimeoutMs?: number;
  /** Refresh in the background once less than this fraction of the TTL remains (0–1; 0 = off). */
  refreshAhead?: number;
  /** Take a cross-instance lock on a miss so one instance in the fleet runs the factory (needs L2). */
  lock?: boolean;
}

/** What the factory receives. */
export interface FactoryContext {
  key: string;
  /** Aborted when the hard timeout passes. */
  signal: AbortSignal;
}

/** Options of a multi-tier cache. */
export interface CacheOptions extends Omit<GetOrSetOptions, 'tags'> {
  /** Memory tier settings (default: 10,000 entries). */
  memory?: MemoryTierOptions;
  /** Shared second tier, e.g. `redisTier(...)` from `@core/cache/redis`. */
  l2?: L2Tier;
  /** Channel that keeps other instances' memory tiers coherent, e.g. `redisBus(...)`. */
  bus?: CacheBus;
  /** Named TTL tiers (default hot / warm / cold). */
  ttlTiers?: Record<string, TtlTier>;
  /** Cross-instance lock: its TTL and how long a waiter polls for the winner's value (ms). */
  lockTtlMs?: number;
  /** See `lockTtlMs`. */
  lockWaitMs?: number;
  /** How often a tag's invalidation time is re-read from the shared tier, ms (default 5,000). */
  tagRefreshMs?: number;
  /**
   * Longest life of a tagged entry, ms (default 7 days): a tagged entry's TTL plus grace is capped at
   * it, and tag invalidation times are kept that long and no longer (default 604,800,000).
   */
  tagRetentionMs?: number;
  /** Enables `writeBehind(key, value)`: batched delivery to your store. */
  writeBehind?: WriteBehindOptions;
}

/** A `getOrSet` answer with how it was obtained. */
export interface DetailedResult<T> {
  value: T;
  status: ResultStatus;
}

/** Counters of the whole cache. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Served stale after a soft timeout. */
  staleServed: number;
  /** Served stale after a factory failure. */
  graced: number;
  factoryCalls: number;
  factoryErrors: number;
  factoryTimeouts: number;
  l1: MemoryTierStats;
  l2: L2Stats | undefined;
  writeBehind: { pending: number; flushed: number; failures: number } | undefined;
  bus: { published: number; received: number };
  /** Tags whose invalidation time this instance holds (bounded: see `tagRetentionMs`). */
  tags: number;
}
