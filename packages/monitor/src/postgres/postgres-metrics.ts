import type { Registry } from 'prom-client';
import { QueryFailedError } from '../errors';
import { scrapeGroup } from '../metrics/scrape-group';
import { boundedQuery } from './bounded-query';
import { num, str } from './insight-check';
import type { SqlClient } from './sql-client';

/** Options of `registerPostgresMetrics`. */
export interface PostgresMetricsOptions {
  /** Deadline of the scrape's one query (default 2 s); a failure sets `pg_up` to 0. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** Scrapes closer together than this reuse the last query's values (default 0: one query per scrape, as postgres_exporter). */
  minIntervalMs?: number;
}

const SCRAPE_SQL = `select 'activity' as kind, coalesce(datname, '') as a, coalesce(state, 'unknown') as b, count(*)::float8 as v, coalesce(max(extract(epoch from now() - xact_start)), 0)::float8 as w
    from pg_stat_activity where backend_type = 'client backend' group by 1, 2, 3
  union all select 'size', datname, '', pg_database_size(datname)::float8, 0 from pg_database where datallowconn
  union all select 'locks', coalesce(d.datname, ''), l.mode, count(*)::float8, 0 from pg_locks l left join pg_database d on d.oid = l.database group by 1, 2, 3
  union all select 'commit', datname, '', xact_commit::float8, xact_rollback::float8 from pg_stat_database where datname is not null
  union all select 'blocks', datname, '', blks_hit::float8, blks_read::float8 from pg_stat_database where datname is not null
  union all select 'deadlocks', datname, '', deadlocks::float8, 0 from pg_stat_database where datname is not null
  union all select 'max_connections', '', '', current_setting('max_connections')::float8, 0
  union all select 'lag', '', '', case when not pg_is_in_recovery() then 0 when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
      else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) end::float8, case when pg_is_in_recovery() then 1 else 0 end`;

/**
 * PostgreSQL series under postgres_exporter's names, so its published dashboards and alert rules work
 * unchanged: `pg_up`, `pg_stat_activity_count{datname,state}`, `pg_stat_activity_max_tx_duration{datname,state}`,
 * `pg_database_size_bytes{datname}`, `pg_locks_count{datname,mode}`, `pg_stat_database_xact_commit`,
 * `…_xact_rollback`, `…_blks_hit`, `…_blks_read`, `…_deadlocks{datname}`, `pg_settings_max_connections`,
 * `pg_replication_lag_seconds`, `pg_replication_is_replica`. All are read by one bounded query per scrape.
 * The `pg_stat_database_*` totals and the `_count` series are exposed untyped: the exporter types them
 * counter without the `_total` suffix and gauge with a `_count` suffix, which `promtool check metrics`
 * rejects; untyped series pass it, and `rate()` / `sum()` over them work the same.
 */
export function registerPostgresMetrics(registry: Registry, client: SqlClient, options: PostgresMetricsOptions = {}): void {
  const bounds = { statementTimeoutMs: options.statementTimeoutMs ?? 2000, lockTimeoutMs: options.lockTimeoutMs ?? 500 };
  const db = ['datname'] as const;
  scrapeGroup(
    registry,
    {
      up: { name: 'pg_up', help: 'Whether the last scrape of PostgreSQL succeeded (1) or not (0).' },
      activity: { name: 'pg_stat_activity_count', help: 'Client connections by database and state.', labelNames: ['datname', 'state'], type: 'untyped' },
      maxTx: { name: 'pg_stat_activity_max_tx_duration', help: 'Age of the oldest open transaction by database and state, in seconds.', labelNames: ['datname', 'state'] },
      size: { name: 'pg_database_size_bytes', help: 'Disk space used by each database.', labelNames: db },
      locks: { name: 'pg_locks_count', help: 'Locks held or awaited by database and mode.', labelNames: ['datname', 'mode'], type: 'untyped' },
      commits: { name: 'pg_stat_database_xact_commit', help: 'Transactions committed in each database since the statistics were reset.', labelNames: db, type: 'untyped' },
      rollbacks: { name: 'pg_stat_database_xact_rollback', help: 'Transactions rolled back in each database since the statistics were reset.', labelNames: db, type: 'untyped' },
      blksHit: { name: 'pg_stat_database_blks_hit', help: 'Blocks found in shared buffers in each database.', labelNames: db, type: 'untyped' },
      blksRead: { name: 'pg_stat_database_blks_read', help: 'Blocks read from disk in each database.', labelNames: db, type: 'untyped' },
      deadlocks: { name: 'pg_stat_database_deadlocks', help: 'Deadlocks detected in each database.', labelNames: db, type: 'untyped' },
      maxConnections: { name: 'pg_settings_max_connections', help: 'The server\'s max_connections.' },
      lag: { name: 'pg_replication_lag_seconds', help: 'Replay lag of this server as a standby, in seconds (0 on a primary).' },
      replica: { name: 'pg_replication_is_replica', help: 'Whether this server is a standby (1) or a primary (0).' },
    },
    async (set) => {
      let rows: Array<Record<string, unknown>>;
      try {
        rows = await boundedQuery(client, 'metrics', SCRAPE_SQL, bounds);
      } catch (error) {
        if (!(error instanceof QueryFailedError)) throw error;
        set('up', 0);
        return;
      }
      set('up', 1);
      for (const r of rows) {
        const [a, b, v, w] = [str(r.a), str(r.b), num(r.v), num(r.w)];
        switch (r.kind) {
          case 'activity':
            set('activity', v, { datname: a, state: b });
            set('maxTx', w, { datname: a, state: b });
            break;
          case 'size':
            set('size', v, { datname: a });
            break;
          case 'locks':
            set('locks', v, { datname: a, mode: b });
            break;
          case 'commit':
            set('commits', v, { datname: a });
            set('rollbacks', w, { datname: a });
            break;
          case 'blocks':
            set('blksHit', v, { datname: a });
            set('blksRead', w, { datname: a });
            break;
          case 'deadlocks':
            set('deadlocks', v, { datname: a });
            break;
          case 'max_connections':
            set('maxConnections', v);
            break;
          case 'lag':
            set('lag', v);
            set('replica', w);
            break;
        }
      }
    },
    { minIntervalMs: options.minIntervalMs ?? 0 },
  );
}
