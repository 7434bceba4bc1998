import { qualified, quoteIdent } from '../../finding';
import type { InsightCheck } from '../insight-check';
import { num, str } from '../insight-check';

/** The part of an integer type's range an id may reach before inserts fail. */
const TYPE_MAX: Record<string, number> = { smallint: 32767, integer: 2147483647, bigint: 9223372036854775807 };

/** Sequences (and the columns they feed) past a share of their range (PgHero: 90 %). */
export const sequences: InsightCheck = {
  name: 'sequences',
  sql: () => `select s.schemaname as schema, s.sequencename as sequence, s.data_type::text as sequence_type, s.last_value::numeric as last_value, s.max_value::numeric as max_value,
      tn.nspname as table_schema, tc.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as column_type
    from pg_sequences s
    join pg_class sc on sc.relname = s.sequencename join pg_namespace sn on sn.oid = sc.relnamespace and sn.nspname = s.schemaname
    left join pg_depend d on d.objid = sc.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
    left join pg_class tc on tc.oid = d.refobjid left join pg_namespace tn on tn.oid = tc.relnamespace
    left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
    where s.last_value is not null and s.increment_by > 0`,
  findings: (rows, t) =>
    rows.flatMap((r) => {
      const columnMax = TYPE_MAX[str(r.column_type)] ?? Infinity;
      const max = Math.min(num(r.max_value), columnMax);
      const used = num(r.last_value) / max;
      if (used < t.sequenceUsedShare) return [];
      const column = r.column ? `${str(r.table_schema)}.${str(r.table)}.${str(r.column)}` : undefined;
      const fix = column && columnMax < 9223372036854775807
        ? `ALTER TABLE ${qualified(str(r.table_schema), str(r.table))} ALTER COLUMN ${quoteIdent(str(r.column))} TYPE bigint; ALTER SEQUENCE ${qualified(str(r.schema), str(r.sequence))} AS bigint;`
        : `ALTER SEQUENCE ${qualified(str(r.schema), str(r.sequence))} AS bigint;`;
      return [
        {
          check: 'sequences',
          severity: used >= 0.98 ? 'critical' : 'warning',
          subject: `${str(r.schema)}.${str(r.sequence)}`,
          message: `${str(r.schema)}.${str(r.sequence)} has used ${(used * 100).toFixed(1)} % of its range (${num(r.last_value)} of ${max}${column ? `, the limit of ${column} ${str(r.column_type)}` : ''}); inserts fail when it runs out`,
          advice: 'widen the column and the sequence to bigint before it runs out (the ALTER TABLE rewrites the table: plan it)',
          fix,
          details: { ...r, used },
        },
      ];
    }),
};

/** Databases and tables close to transaction id wraparound, when PostgreSQL stops accepting writes (PgHero: 10 million left). */
export const wraparound: InsightCheck = {
  name: 'transaction-id-wraparound',
  sql: (t) => `select 'database' as kind, '' as schema, datname as name, age(datfrozenxid)::bigint as age from pg_database where 2146483648 - age(datfrozenxid) < ${t.wraparoundMinRemaining}
    union all
    select 'table', n.nspname, c.relname, age(c.relfrozenxid)::bigint from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'm', 't') and 2146483648 - age(c.relfrozenxid) < ${t.wraparoundMinRemaining}`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'transaction-id-wraparound',
      severity: 'critical',
      subject: r.kind === 'database' ? str(r.name) : `${str(r.schema)}.${str(r.name)}`,
      message: `${str(r.kind)} ${r.kind === 'database' ? str(r.name) : `${str(r.schema)}.${str(r.name)}`} is ${num(r.age)} transactions old: ${2146483648 - num(r.age)} remain before wraparound`,
      advice: 'VACUUM FREEZE it now and find what keeps autovacuum from freezing (long transactions, prepared transactions, stale replication slots)',
      fix: r.kind === 'database' ? 'VACUUM (FREEZE, VERBOSE); -- in that database' : `VACUUM (FREEZE, VERBOSE) ${qualified(str(r.schema), str(r.name))};`,
      details: r,
    })),
};

/** Tables with many dead tuples: autovacuum is behind (bloat, slower scans). */
export const deadTuples: InsightCheck = {
  name: 'dead-tuples',
  sql: (t) => `select schemaname as schema, relname as table, n_live_tup::bigint as live, n_dead_tup::bigint as dead, last_vacuum, last_autovacuum,
      extract(epoch from now() - greatest(last_vacuum, last_autovacuum))::float8 as seconds_since_vacuum
    from pg_stat_user_tables where n_dead_tup >= ${t.deadTuplesMin} and n_dead_tup > ${t.deadTuplesShare} * greatest(n_live_tup, 1) order by n_dead_tup desc`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'dead-tuples',
      severity: 'warning',
      subject: `${str(r.schema)}.${str(r.table)}`,
      message: `${str(r.schema)}.${str(r.table)} has ${num(r.dead)} dead tuples for ${num(r.live)} live ones; last vacuumed ${r.seconds_since_vacuum === null ? 'never' : `${Math.round(num(r.seconds_since_vacuum) / 60)} min ago`}`,
      advice: 'vacuum it, and tune autovacuum for it (autovacuum_vacuum_scale_factor) if this comes back',
      fix: `VACUUM (ANALYZE) ${qualified(str(r.schema), str(r.table))};`,
      details: r,
    })),
};

/** The share of table reads served from shared buffers (PgHero: below 99 % means memory is short). */
export const cacheHitRate: InsightCheck = {
  name: 'cache-hit-rate',
  sql: () => `select coalesce(sum(heap_blks_hit), 0)::bigint as hit, coalesce(sum(heap_blks_read), 0)::bigint as read,
      coalesce(sum(idx_blks_hit), 0)::bigint as index_hit, coalesce(sum(idx_blks_read), 0)::bigint as index_read from pg_statio_user_tables`,
  findings: (rows, t) => {
    const r = rows[0] ?? {};
    const out = [];
    for (const [label, hit, read] of [['table', num(r.hit), num(r.read)], ['index', num(r.index_hit), num(r.index_read)]] as const) {
      const total = hit + read;
      if (total < t.cacheHitMinBlocks) continue;
      const rate = (hit / total) * 100;
      if (rate >= t.cacheHitRatePercent) continue;
      out.push({
        check: 'cache-hit-rate',
        severity: 'warning' as const,
        subject: `${label} cache`,
        message: `the ${label} cache hit rate is ${rate.toFixed(2)} % (${read} of ${total} blocks read from disk)`,
        advice: 'the working set does not fit in memory: raise shared_buffers or the machine\'s memory, or find the scans reading it (pg_stat_statements)',
        details: { hit, read, rate },
      });
    }
    return out;
  },
};
