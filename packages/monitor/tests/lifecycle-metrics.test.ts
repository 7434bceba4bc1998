import { Registry } from 'prom-client';
import { checkMetrics } from '@core/testing';
import { registerLifecycleMetrics } from '../src';
import type { LifecycleStatsSource } from '../src';

jest.setTimeout(300_000);

test('lifecycle series follow stats() at scrape time and pass promtool check metrics', async () => {
  let stats: ReturnType<LifecycleStatsSource['stats']> = { runs: 0, failures: 0, rowsArchived: 0, rowsDeleted: 0, objectsExpired: 0, policies: { audit: { lastSuccessMs: undefined, lastError: undefined } } };
  const registry = new Registry();
  registerLifecycleMetrics(registry, { stats: () => stats });
  const before = await registry.metrics();
  expect(before).toContain('core_lifecycle_rows_deleted_total 0');
  expect(before).not.toContain('core_lifecycle_last_success_timestamp_seconds{');
  stats = { runs: 3, failures: 1, rowsArchived: 10, rowsDeleted: 1500, objectsExpired: 2, policies: { audit: { lastSuccessMs: 1_700_000_000_000, lastError: undefined }, tmp: { lastSuccessMs: undefined, lastError: 'lock timeout' } } };
  const text = await registry.metrics();
  expect(text).toContain('# TYPE core_lifecycle_rows_deleted_total counter');
  expect(text).toContain('core_lifecycle_rows_deleted_total 1500');
  expect(text).toContain('core_lifecycle_last_success_timestamp_seconds{policy="audit"} 1700000000');
  expect(text).toContain('core_lifecycle_policy_failing{policy="tmp"} 1');
  expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
});
