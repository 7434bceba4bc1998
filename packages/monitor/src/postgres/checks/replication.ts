import type { InsightCheck } from '../insight-check';
import { num, str } from '../insight-check';

/**
 * Replication lag: on a primary, each standby's replay lag; on a standby, the age of the last replayed
 * transaction while WAL is still arriving (a standby with nothing to replay has no lag; one with no WAL
 * receiver has an unknown lag, reported as such).
 */
export const replicationLag: InsightCheck = {
  name: 'replication-lag',
  sql: () => `select 'standby' as role, application_name as name, client_addr::text as address, state, extract(epoch from replay_lag)::float8 as lag_seconds, true as known
      from pg_stat_replication
    union all
    select 'self', 'this server', null, case when exists (select 1 from pg_stat_wal_receiver) then 'streaming' else 'no wal receiver' end,
      case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0 else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end,
      exists (select 1 from pg_stat_wal_receiver)
    where pg_is_in_recovery()`,
  findings: (rows, t) =>
    rows.flatMap((r) => {
      if (r.known === false) {
        return [{ check: 'replication-lag', severity: 'warning' as const, subject: str(r.name), message: 'this standby has no WAL receiver: its lag is unknown', advice: 'check primary_conninfo and the primary\'s pg_hba.conf; the standby is not streaming', details: r }];
      }
      if (num(r.lag_seconds) <= t.replicationLagSeconds) return [];
      return [
        {
          check: 'replication-lag',
          severity: num(r.lag_seconds) > t.replicationLagSeconds * 12 ? ('critical' as const) : ('warning' as const),
          subject: str(r.name),
          message: `${r.role === 'self' ? 'this standby replays' : `standby ${str(r.name)} (${str(r.address)}) replays`} ${num(r.lag_seconds).toFixed(1)} s behind`,
          advice: 'look for long queries on the standby (hot_standby_feedback, max_standby_streaming_delay), its disk and network, or a recovery_min_apply_delay',
          details: r,
        },
      ];
    }),
};

/** Replication slots that are not in use keep WAL on the primary until its disk fills. */
export const replicationSlots: InsightCheck = {
  name: 'replication-slots',
  sql: () => `select slot_name as name, slot_type as type, active, case when pg_is_in_recovery() then null else pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint end as retained_bytes
    from pg_replication_slots order by 1`,
  findings: (rows) =>
    rows
      .filter((r) => r.active === false)
      .map((r) => ({
        check: 'replication-slots',
        severity: 'warning' as const,
        subject: str(r.name),
        message: `replication slot ${str(r.name)} is inactive and keeps ${Math.round(num(r.retained_bytes) / 1048576)} MiB of WAL`,
        advice: 'reconnect its consumer, or drop the slot if the consumer is gone',
        fix: `SELECT pg_drop_replication_slot('${str(r.name).replace(/'/g, "''")}');`,
        details: r,
      })),
};

/** Database and largest table sizes (data only; no advice). */
export const sizes: InsightCheck = {
  name: 'sizes',
  sql: () => `select 'database' as kind, datname as name, pg_database_size(datname)::bigint as bytes from pg_database where datallowconn and datname = current_database()
    union all
    (select 'table', n.nspname || '.' || c.relname, pg_total_relation_size(c.oid)::bigint from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') order by 3 desc limit 20)`,
  findings: () => [],
};
