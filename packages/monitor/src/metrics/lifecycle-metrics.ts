import type { Registry } from 'prom-client';
import { scrapeGroup } from './scrape-group';

/** What the lifecycle series read: `stats()` of `@core/lifecycle`'s `Lifecycle` (read structurally: this package does not import it). */
export interface LifecycleStatsSource {
  stats(): {
    runs: number;
    failures: number;
    rowsArchived: number;
    rowsDeleted: number;
    objectsExpired: number;
    policies: Record<string, { lastSuccessMs: number | undefined; lastError: string | undefined }>;
  };
}

/**
 * `@core/lifecycle` series from `stats()` at scrape time: `core_lifecycle_rows_archived_total`,
 * `core_lifecycle_rows_deleted_total`, `core_lifecycle_objects_expired_total`, `core_lifecycle_policy_runs_total`,
 * `core_lifecycle_policy_failures_total` (counters since the process started),
 * `core_lifecycle_last_success_timestamp_seconds{policy}` (absent until one succeeded) and
 * `core_lifecycle_policy_failing{policy}` (1 while the policy's last run failed).
 */
export function registerLifecycleMetrics(registry: Registry, source: LifecycleStatsSource): void {
  scrapeGroup(
    registry,
    {
      archived: { name: 'core_lifecycle_rows_archived_total', help: 'Rows archived (written, read back and verified).', type: 'counter' },
      deleted: { name: 'core_lifecycle_rows_deleted_total', help: 'Rows deleted by retention policies.', type: 'counter' },
      expired: { name: 'core_lifecycle_objects_expired_total', help: 'Objects deleted by object policies.', type: 'counter' },
      runs: { name: 'core_lifecycle_policy_runs_total', help: 'Policy runs started.', type: 'counter' },
      failures: { name: 'core_lifecycle_policy_failures_total', help: 'Policy runs that failed.', type: 'counter' },
      lastSuccess: { name: 'core_lifecycle_last_success_timestamp_seconds', help: 'When a policy last finished without error (Unix time).', labelNames: ['policy'] },
      failing: { name: 'core_lifecycle_policy_failing', help: 'Whether the last run of a policy failed (1) or not (0).', labelNames: ['policy'] },
    },
    async (set) => {
      const stats = source.stats();
      set('archived', stats.rowsArchived);
      set('deleted', stats.rowsDeleted);
      set('expired', stats.objectsExpired);
      set('runs', stats.runs);
      set('failures', stats.failures);
      for (const [policy, p] of Object.entries(stats.policies)) {
        if (p.lastSuccessMs !== undefined) set('lastSuccess', p.lastSuccessMs / 1000, { policy });
        set('failing', p.lastError ? 1 : 0, { policy });
      }
    },
  );
}
