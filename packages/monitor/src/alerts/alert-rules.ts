import { stringify } from 'yaml';

/** One alerting rule in Prometheus's rule-file form. */
export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires (`5m`). */
  for?: string;
  labels?: Record<string, string>;
  annotations?: { summary: string; description?: string };
}

/** A group of rules, as in a Prometheus rule file. */
export interface AlertRuleGroup {
  name: string;
  /** How often Prometheus evaluates the group (default: its global interval). */
  interval?: string;
  rules: AlertRule[];
}

const rule = (alert: string, expr: string, forDuration: string, severity: 'warning' | 'critical', summary: string, description?: string): AlertRule => ({
  alert,
  expr,
  ...(forDuration ? { for: forDuration } : {}),
  labels: { severity },
  annotations: { summary, ...(description ? { description } : {}) },
});

/**
 * The default rules over the series this package and the orchestrator export: the seed's three (pool
 * utilisation > 80 % for 5 m, slow queries > 10 for 2 m, replication lag > 30 s for 1 m) and a default set
 * after awesome-prometheus-alerts (database down, connections 80 %, deadlocks, cache hit rate, Redis down and
 * out of memory, jobs failing or missed, backups stale, restore drills failing). The pool and slow-query
 * rules read `core_repo_pool_utilisation_ratio` and `core_insight_findings`, which the orchestrator exports.
 */
export function defaultAlertRules(): AlertRuleGroup[] {
  return [
    {
      name: 'core-postgres',
      rules: [
        rule('PostgresDown', 'pg_up == 0', '1m', 'critical', 'PostgreSQL is not answering the monitor', '{{ $labels.instance }} failed its last scrapes for a minute.'),
        rule('PostgresTooManyConnections', 'sum by (instance) (pg_stat_activity_count) > 0.8 * max by (instance) (pg_settings_max_connections)', '5m', 'warning', 'PostgreSQL is above 80 % of max_connections'),
        rule('PostgresDeadlocks', 'increase(pg_stat_database_deadlocks[5m]) > 0', '', 'warning', 'Deadlocks in database {{ $labels.datname }}'),
        rule('PostgresReplicationLag', 'pg_replication_lag_seconds > 30', '1m', 'warning', 'A standby replays more than 30 s behind (seed: 30 s for 1 m)'),
        rule('PostgresCacheHitRateLow', 'sum by (instance) (rate(pg_stat_database_blks_hit[10m])) / (sum by (instance) (rate(pg_stat_database_blks_hit[10m])) + sum by (instance) (rate(pg_stat_database_blks_read[10m]))) < 0.99', '15m', 'warning', 'PostgreSQL serves less than 99 % of block reads from memory'),
        rule('PostgresPoolSaturated', 'core_repo_pool_utilisation_ratio > 0.8', '5m', 'warning', 'A connection pool is above 80 % in use (seed: 80 % for 5 m)'),
        rule('PostgresSlowQueries', 'sum by (instance) (core_insight_findings{check="slow-queries"}) > 10', '2m', 'warning', 'More than 10 slow statements (seed: > 10 for 2 m)'),
      ],
    },
    {
      name: 'core-redis',
      rules: [
        rule('RedisDown', 'redis_up == 0', '1m', 'critical', 'Redis is not answering the monitor'),
        rule('RedisOutOfMemory', 'redis_memory_max_bytes > 0 and redis_memory_used_bytes / redis_memory_max_bytes > 0.9', '2m', 'warning', 'Redis uses more than 90 % of maxmemory'),
        rule('RedisEvictingKeys', 'increase(redis_evicted_keys_total[10m]) > 0', '', 'warning', 'Redis is evicting keys to stay under maxmemory'),
        rule('RedisRejectedConnections', 'increase(redis_rejected_connections_total[5m]) > 0', '', 'warning', 'Redis refused connections (maxclients)'),
        rule('RedisMissingBackup', 'time() - redis_rdb_last_save_timestamp_seconds > 86400', '', 'warning', 'Redis has not saved an RDB for a day'),
      ],
    },
    {
      name: 'core-packages',
      rules: [
        rule('CacheHitRateLow', 'core_cache_hit_ratio < 0.5', '15m', 'warning', 'The cache answers fewer than half of its reads'),
        rule('CacheL2BreakerOpen', 'core_cache_breaker_open == 1', '5m', 'warning', 'The cache\'s L2 (Redis) breaker has been open for 5 minutes: memory alone serves'),
        rule('StorageUnavailable', 'increase(core_storage_errors_total{code="STORAGE_UNAVAILABLE"}[10m]) > 0', '', 'warning', 'The object store {{ $labels.provider }} did not answer'),
        rule('BackupRepositoryUnreadable', 'core_backup_repository_up == 0', '10m', 'critical', 'The backup repository cannot be read'),
        rule('BackupDrillRecordFailed', 'core_backup_drill_success == 0', '', 'critical', 'The newest {{ $labels.kind }} restore drill failed'),
      ],
    },
    {
      name: 'core-jobs',
      rules: [
        rule('JobFailing', 'increase(core_job_runs_total{result=~"failed|timeout|abandoned"}[1h]) > 0', '', 'warning', 'Job {{ $labels.job }} failed in the last hour'),
        rule('JobMissedRuns', 'increase(core_job_missed_runs_total[1h]) > 0', '', 'warning', 'Job {{ $labels.job }} missed scheduled runs'),
        rule('BackupStale', 'time() - core_job_last_success_timestamp_seconds{job=~"backup-(database|pg-base)"} > 26 * 3600', '', 'critical', 'No successful {{ $labels.job }} for more than 26 hours'),
        rule('BackupDrillFailed', 'increase(core_job_runs_total{job="backup-drill",result=~"failed|timeout"}[8d]) > 0', '', 'critical', 'The last restore drill failed: backups may not be restorable'),
        rule('MemoryPressure', 'core_memory_pressure == 1', '5m', 'warning', 'The orchestrator is over its memory threshold (heap or RSS); caches are shedding entries'),
        rule('LifecycleVerificationFailed', 'increase(core_job_runs_total{job=~"lifecycle-.*",result="failed"}[1d]) > 0', '', 'critical', 'A lifecycle run failed (archives are verified before rows are deleted)'),
      ],
    },
  ];
}

/** The rules as a Prometheus rule file (YAML), for `rule_files:` and `promtool check rules`. */
export function alertRulesYaml(groups: AlertRuleGroup[] = defaultAlertRules()): string {
  return stringify({ groups }, { lineWidth: 0 });
}
