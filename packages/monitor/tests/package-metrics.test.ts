// The collectors over the other packages' stats(): structural stand-ins with the shapes those packages
// report (this package's tests import only its own scope); the orchestrator's /metrics test reads the real ones.
import { Registry } from 'prom-client';
import { checkMetrics } from '@core/testing';
import { registerBackupMetrics, registerCacheMetrics, registerStorageMetrics, registerVectorMetrics } from '../src';
import type { BackupStatsSource, CacheStatsSource, StorageStatsSource, VectorStatsSource } from '../src';

jest.setTimeout(300_000);

const cacheStats = (over: Partial<ReturnType<CacheStatsSource['stats']>> = {}): ReturnType<CacheStatsSource['stats']> => ({
  hits: 30,
  misses: 10,
  staleServed: 2,
  graced: 1,
  factoryCalls: 10,
  factoryErrors: 1,
  factoryTimeouts: 0,
  l1: { hits: 25, misses: 15, evictions: 4, entries: 120, bytes: 65_536 },
  l2: { hits: 5, misses: 10, errors: 3, timeouts: 2, rejected: 7, breaker: 'open' },
  writeBehind: undefined,
  ...over,
});

test('cache, storage, vector and backup series follow stats() at scrape time and pass promtool check metrics', async () => {
  const registry = new Registry();
  let cache = cacheStats();
  registerCacheMetrics(registry, { stats: () => cache });
  const storage: StorageStatsSource = { stats: () => ({ provider: 's3', operations: { put: { calls: 4, errors: 1 }, get: { calls: 9, errors: 0 } }, errorsByCode: { STORAGE_UNAVAILABLE: 1 }, bytesWritten: 4096, bytesRead: 8192 }) };
  registerStorageMetrics(registry, storage);
  const vector: VectorStatsSource = { stats: () => ({ collections: { docs: { records: 1000, queries: 50, queryErrors: 2, querySeconds: 0.25, p50Seconds: 0.004, p99Seconds: 0.02 }, remote: { records: undefined, queries: 0, queryErrors: 0, querySeconds: 0 } } }) };
  registerVectorMetrics(registry, vector);
  const backup: BackupStatsSource = {
    latest: async () => ({
      snapshots: [{ time: '2026-12-02T01:00:00.000+01:00', source: { kind: 'sqlite', identity: 'app.db' }, totals: { bytesTotal: 1_000_000, newBytesStored: 12_000, dedupRatio: 40.5, durationMs: 1500 } }],
      drills: [{ kind: 'sqlite', source: { kind: 'sqlite', identity: 'app.db' }, time: '2026-12-02T00:30:00.000Z', ok: true, rtoMs: 2300 }],
    }),
  };
  registerBackupMetrics(registry, backup);

  const text = await registry.metrics();
  expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  expect(text).toContain('# TYPE core_cache_requests_total counter');
  expect(text).toContain('core_cache_requests_total{result="hit"} 30');
  expect(text).toContain('core_cache_tier_requests_total{tier="l2",result="miss"} 10');
  expect(text).toContain('core_cache_hit_ratio 0.75');
  expect(text).toContain('core_cache_l2_failures_total{reason="rejected"} 7');
  expect(text).toContain('core_cache_breaker_open 1');
  expect(text).not.toMatch(/^core_cache_write_behind_pending /m);
  expect(text).toContain('core_storage_operation_errors_total{provider="s3",operation="put"} 1');
  expect(text).toContain('core_storage_errors_total{provider="s3",code="STORAGE_UNAVAILABLE"} 1');
  expect(text).toContain('core_storage_bytes_total{provider="s3",direction="read"} 8192');
  expect(text).toContain('core_vector_collections 2');
  expect(text).toContain('core_vector_records{collection="docs"} 1000');
  expect(text).not.toContain('core_vector_records{collection="remote"}');
  expect(text).toContain('# TYPE core_vector_query_duration_seconds summary');
  expect(text).toContain('core_vector_query_duration_seconds{collection="docs",quantile="0.99"} 0.02');
  expect(text).toContain('core_vector_query_duration_seconds_count{collection="docs"} 50');
  expect(text).toContain('core_vector_query_duration_seconds_sum{collection="remote"} 0');
  expect(text).toContain('core_backup_repository_up 1');
  expect(text).toContain(`core_backup_last_success_timestamp_seconds{source="sqlite:app.db"} ${Date.parse('2026-12-02T00:00:00Z') / 1000}`);
  expect(text).toContain('core_backup_dedup_ratio{source="sqlite:app.db"} 40.5');
  expect(text).toContain('core_backup_drill_rto_seconds{kind="sqlite",source="sqlite:app.db"} 2.3');

  // Values are read again at the next scrape: a write-behind cache appears, the breaker closes.
  cache = cacheStats({ l2: { hits: 5, misses: 10, errors: 3, timeouts: 2, rejected: 7, breaker: 'closed' }, writeBehind: { pending: 3, flushed: 10, failures: 0 } });
  const next = await registry.metrics();
  expect(next).toContain('core_cache_breaker_open 0');
  expect(next).toContain('core_cache_write_behind_pending 3');
});

test('a backup repository that does not answer within the deadline reads as down, and the scrape still completes', async () => {
  const registry = new Registry();
  registerBackupMetrics(registry, { latest: () => new Promise(() => undefined) }, { timeoutMs: 200 });
  const started = Date.now();
  const text = await registry.metrics();
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(text).toContain('core_backup_repository_up 0');
  expect(text).not.toContain('core_backup_last_success_timestamp_seconds{');
  const failing = new Registry();
  registerBackupMetrics(failing, { latest: async () => Promise.reject(new Error('bad passphrase')) });
  expect(await failing.metrics()).toContain('core_backup_repository_up 0');
});

test('an idle cache exposes no hit ratio (CacheHitRateLow cannot fire on it) and a cache without L2 no breaker sample', async () => {
  const registry = new Registry();
  registerCacheMetrics(registry, { stats: () => cacheStats({ hits: 0, misses: 0, l2: undefined }) });
  const text = await registry.metrics();
  expect(text).not.toMatch(/^core_cache_hit_ratio /m);
  expect(text).not.toMatch(/^core_cache_breaker_open /m);
  expect(text).toMatch(/^core_cache_memory_entries 120$/m);
});

test('a source whose stats() throws (not started, closed) leaves its series absent and the scrape succeeds', async () => {
  const registry = new Registry();
  registerCacheMetrics(registry, {
    stats: () => {
      throw new Error('cache component is not started');
    },
  });
  registerVectorMetrics(registry, {
    stats: () => {
      throw new Error('vector component is not started');
    },
  });
  registerStorageMetrics(registry, { stats: () => ({ provider: 'local', operations: {}, errorsByCode: {}, bytesWritten: 0, bytesRead: 3 }) });
  const text = await registry.metrics();
  expect(text).not.toMatch(/^core_cache_/m);
  expect(text).not.toMatch(/^core_vector_/m);
  expect(text).toMatch(/^core_storage_bytes_total\{provider="local",direction="read"\} 3$/m);
});
