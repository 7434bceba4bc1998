import type { Registry } from 'prom-client';
import { breakerValue, type BreakerState } from './breaker-value';
import { scrapeGroup } from './scrape-group';

/** What the cache series read: `stats()` of `@core/cache`'s `Cache` (read structurally: this package does not import it). */
export interface CacheStatsSource {
  stats(): {
    hits: number;
    misses: number;
    staleServed: number;
    graced: number;
    factoryCalls: number;
    factoryErrors: number;
    factoryTimeouts: number;
    l1: { hits: number; misses: number; evictions: number; entries: number; bytes: number };
    l2: { hits: number; misses: number; errors: number; timeouts: number; rejected: number; breaker: BreakerState } | undefined;
    writeBehind: { pending: number; flushed: number; failures: number } | undefined;
  };
}

/**
 * `@core/cache` series from `stats()` at scrape time: `core_cache_requests_total{result}` (hit, miss, stale, grace),
 * `core_cache_tier_requests_total{tier,result}` (l1, l2), `core_cache_hit_ratio` (hits over reads since start,
 * what the CacheHitRateLow rule reads), `core_cache_factory_calls_total` / `_errors_total` / `_timeouts_total`,
 * `core_cache_memory_entries`, `core_cache_memory_bytes`, `core_cache_memory_evictions_total`,
 * `core_cache_l2_failures_total{reason}` (error, timeout, rejected), `core_cache_breaker_open` (L2's breaker) and
 * `core_cache_write_behind_pending` / `_flushed_total` / `_failures_total` when write-behind is on.
 */
export function registerCacheMetrics(registry: Registry, source: CacheStatsSource): void {
  scrapeGroup(
    registry,
    {
      requests: { name: 'core_cache_requests_total', help: 'Cache reads by how they were answered.', labelNames: ['result'], type: 'counter' },
      tier: { name: 'core_cache_tier_requests_total', help: 'Reads of each cache tier by hit or miss.', labelNames: ['tier', 'result'], type: 'counter' },
      ratio: { name: 'core_cache_hit_ratio', help: 'Share of cache reads answered from a tier since the process started (0-1).' },
      factoryCalls: { name: 'core_cache_factory_calls_total', help: 'Calls of value factories (misses that loaded).', type: 'counter' },
      factoryErrors: { name: 'core_cache_factory_errors_total', help: 'Factory calls that failed.', type: 'counter' },
      factoryTimeouts: { name: 'core_cache_factory_timeouts_total', help: 'Factory calls that passed their hard timeout.', type: 'counter' },
      entries: { name: 'core_cache_memory_entries', help: 'Entries in the in-process tier.' },
      bytes: { name: 'core_cache_memory_bytes', help: 'Bytes held by the in-process tier.' },
      evictions: { name: 'core_cache_memory_evictions_total', help: 'Entries the in-process tier evicted for room.', type: 'counter' },
      l2Failures: { name: 'core_cache_l2_failures_total', help: 'L2 calls that failed, timed out, or were refused by the open breaker.', labelNames: ['reason'], type: 'counter' },
      breaker: { name: 'core_cache_breaker_open', help: 'L2 circuit breaker: 1 open, 0.5 half-open, 0 closed.' },
      pending: { name: 'core_cache_write_behind_pending', help: 'Writes queued for L2 (write-behind).' },
      flushed: { name: 'core_cache_write_behind_flushed_total', help: 'Queued writes flushed to L2.', type: 'counter' },
      flushFailures: { name: 'core_cache_write_behind_failures_total', help: 'Queued writes that could not be flushed.', type: 'counter' },
    },
    async (set) => {
      const s = source.stats();
      set('requests', s.hits, { result: 'hit' });
      set('requests', s.misses, { result: 'miss' });
      set('requests', s.staleServed, { result: 'stale' });
      set('requests', s.graced, { result: 'grace' });
      set('tier', s.l1.hits, { tier: 'l1', result: 'hit' });
      set('tier', s.l1.misses, { tier: 'l1', result: 'miss' });
      if (s.hits + s.misses > 0) set('ratio', s.hits / (s.hits + s.misses));
      set('factoryCalls', s.factoryCalls);
      set('factoryErrors', s.factoryErrors);
      set('factoryTimeouts', s.factoryTimeouts);
      set('entries', s.l1.entries);
      set('bytes', s.l1.bytes);
      set('evictions', s.l1.evictions);
      if (s.l2) {
        set('tier', s.l2.hits, { tier: 'l2', result: 'hit' });
        set('tier', s.l2.misses, { tier: 'l2', result: 'miss' });
        set('l2Failures', s.l2.errors, { reason: 'error' });
        set('l2Failures', s.l2.timeouts, { reason: 'timeout' });
        set('l2Failures', s.l2.rejected, { reason: 'rejected' });
        set('breaker', breakerValue(s.l2.breaker));
      }
      if (s.writeBehind) {
        set('pending', s.writeBehind.pending);
        set('flushed', s.writeBehind.flushed);
        set('flushFailures', s.writeBehind.failures);
      }
    },
  );
}
