import { qualified } from '../../finding';
import type { InsightCheck } from '../insight-check';
import { num, str } from '../insight-check';

const USER_SCHEMAS = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'";

/** Indexes no query has used that cost space and slow every write (primary keys and unique constraints excluded). */
export const unusedIndexes: InsightCheck = {
  name: 'unused-indexes',
  sql: (t) => `select s.schemaname as schema, s.relname as table, s.indexrelname as index, s.idx_scan::bigint as scans, pg_relation_size(s.indexrelid)::bigint as bytes
    from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
    where not i.indisunique and not i.indisprimary and i.indisvalid and s.idx_scan <= ${t.unusedIndexMaxScans} and pg_relation_size(s.indexrelid) >= ${t.unusedIndexMinBytes}
    order by bytes desc`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'unused-indexes',
      severity: 'info',
      subject: `${str(r.schema)}.${str(r.index)}`,
      message: `${str(r.schema)}.${str(r.index)} on ${str(r.table)} (${Math.round(num(r.bytes) / 1048576)} MiB) has been scanned ${num(r.scans)} times since the statistics were reset`,
      advice: 'drop it if replicas and rare jobs do not use it either (their scans count on their own server)',
      fix: `DROP INDEX CONCURRENTLY ${qualified(str(r.schema), str(r.index))};`,
      details: r,
    })),
};

/** Indexes whose columns lead another index on the same table: the longer one serves their queries. */
export const duplicateIndexes: InsightCheck = {
  name: 'duplicate-indexes',
  sql: () => `select n.nspname as schema, t.relname as table, ia.relname as index, ib.relname as covered_by, pg_relation_size(a.indexrelid)::bigint as bytes,
      pg_get_indexdef(a.indexrelid) as definition, pg_get_indexdef(b.indexrelid) as covering_definition
    from pg_index a
    join pg_index b on b.indrelid = a.indrelid and b.indexrelid <> a.indexrelid
    join pg_class ia on ia.oid = a.indexrelid
    join pg_class ib on ib.oid = b.indexrelid
    join pg_class t on t.oid = a.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where ${USER_SCHEMAS} and a.indisvalid and b.indisvalid and ia.relam = ib.relam
      and a.indpred is null and b.indpred is null and a.indexprs is null and b.indexprs is null
      and not a.indisprimary and (not a.indisunique or (b.indisunique and a.indkey::text = b.indkey::text))
      and a.indclass::text = left(b.indclass::text, length(a.indclass::text))
      and (b.indkey::text = a.indkey::text or b.indkey::text like a.indkey::text || ' %')
      and (a.indkey::text <> b.indkey::text or b.indisprimary or (a.indisunique = b.indisunique and a.indexrelid > b.indexrelid))
    order by 1, 2, 3`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'duplicate-indexes',
      severity: 'warning',
      subject: `${str(r.schema)}.${str(r.index)}`,
      message: `${str(r.schema)}.${str(r.index)} (${str(r.definition)}) is covered by ${str(r.covered_by)} (${str(r.covering_definition)})`,
      advice: 'queries it serves can use the covering index; dropping it saves space and write time',
      fix: `DROP INDEX CONCURRENTLY ${qualified(str(r.schema), str(r.index))};`,
      details: r,
    })),
};

/** Indexes left invalid by a failed `CREATE INDEX CONCURRENTLY`: every write maintains them, no query uses them. */
export const invalidIndexes: InsightCheck = {
  name: 'invalid-indexes',
  sql: () => `select n.nspname as schema, t.relname as table, c.relname as index, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    where not i.indisvalid and ${USER_SCHEMAS} order by 1, 2, 3`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'invalid-indexes',
      severity: 'warning',
      subject: `${str(r.schema)}.${str(r.index)}`,
      message: `${str(r.schema)}.${str(r.index)} on ${str(r.table)} is invalid (a CREATE INDEX CONCURRENTLY failed or was cancelled)`,
      advice: 'rebuild it, or drop it if it is not needed',
      fix: `REINDEX INDEX CONCURRENTLY ${qualified(str(r.schema), str(r.index))};`,
      details: r,
    })),
};
