import { createHash } from 'node:crypto';
import { cutoffOf, parseAge } from '../age';
import type { ColumnInfo, LifecycleDatabase, SqlRunner, TableInfo, TransactionOptions } from '../database/database';
import { quoteIdent, quoteTable } from '../database/database';
import { InvalidPolicyError, UnknownIdentifierError } from '../errors';
import type { Filter, TablePolicy } from '../policy/policy-schema';

/** How the age column holds time. */
export type TimeFormat = 'native' | 'iso-text' | 'unix-seconds' | 'unix-ms';

/** A table policy checked against the catalog: every identifier it names exists. */
export interface TableTarget {
  policy: TablePolicy;
  table: TableInfo;
  /** The table as SQL. */
  sql: string;
  /** The columns that identify a row (the primary key unless the policy names others): what a delete names. */
  key: ColumnInfo[];
  /** The order batches walk: the age column, then the key, so each batch is one range of the age index. */
  keyset: ColumnInfo[];
  timestamp: ColumnInfo;
  timeFormat: TimeFormat;
  /** For `iso-text`: whether stored values use `T` or a space between date and time. */
  isoSeparator: 'T' | ' ';
  /** An index whose first column is the age column, if any. */
  ageIndex: string | undefined;
}

const NATIVE = /^(timestamp|date)/i;
const NUMERIC = /^(integer|bigint|smallint|int|numeric|real|double)/i;

/** Checks a policy's table, key, age column and filter columns against the catalog; nothing runs before this passes. */
export async function resolveTable(db: LifecycleDatabase, policy: TablePolicy, options: TransactionOptions): Promise<TableTarget> {
  const table = await db.describe(policy.table);
  if (!table) throw new UnknownIdentifierError(policy.name, policy.table, `table "${policy.table}" does not exist`);
  const column = (name: string, what: string) => {
    const found = table.columns.find((c) => c.name === name);
    if (!found) throw new UnknownIdentifierError(policy.name, name, `${what} "${name}" is not a column of ${policy.table} (columns: ${table.columns.map((c) => c.name).join(', ')})`);
    return found;
  };
  const timestamp = column(policy.timestampColumn, 'timestampColumn');
  const keyNames = policy.key ?? table.primaryKey;
  if (keyNames.length === 0) throw new UnknownIdentifierError(policy.name, policy.table, `table "${policy.table}" has no primary key; name unique key columns in the policy's key`);
  const key = keyNames.map((k) => column(k, 'key column'));
  for (const f of policy.where ?? []) column(f.column, 'where column');
  const timeFormat = policy.timeFormat ?? (db.dialect === 'postgres' && NATIVE.test(timestamp.type) ? 'native' : db.dialect === 'sqlite' && !NUMERIC.test(timestamp.type) ? 'iso-text' : undefined);
  if (!timeFormat) throw new InvalidPolicyError([{ path: `${policy.name}.timeFormat`, message: `column ${timestamp.name} is ${timestamp.type}: say whether it holds unix-seconds or unix-ms` }]);
  let isoSeparator: 'T' | ' ' = 'T';
  if (timeFormat === 'iso-text') {
    const [sample] = await db.transaction(options, (tx) => tx.query<{ v: string }>(`SELECT ${quoteIdent(timestamp.name)} AS v FROM ${quoteTable(policy.table)} WHERE ${quoteIdent(timestamp.name)} IS NOT NULL LIMIT 1`));
    if (sample && /^\d{4}-\d\d-\d\d \d/.test(String(sample.v))) isoSeparator = ' ';
  }
  const ageIndex = table.indexes.find((i) => i.columns[0] === timestamp.name)?.name;
  const keyset = [timestamp, ...key.filter((k) => k.name !== timestamp.name)];
  return { policy, table, sql: quoteTable(policy.table), key, keyset, timestamp, timeFormat, isoSeparator, ageIndex };
}

/** The cut-off as the age column stores it. */
export function cutoffValue(target: TableTarget, cutoff: Date): unknown {
  switch (target.timeFormat) {
    case 'native':
      return cutoff;
    case 'unix-seconds':
      return Math.floor(cutoff.getTime() / 1000);
    case 'unix-ms':
      return cutoff.getTime();
    case 'iso-text':
      return target.isoSeparator === 'T' ? cutoff.toISOString() : cutoff.toISOString().replace('T', ' ').replace('Z', '');
  }
}

/** The policy's cut-off for `now`. */
export function cutoffFor(policy: { olderThan: string }, now: Date): Date {
  return cutoffOf(parseAge(policy.olderThan)!, now);
}

/** Collects parameters and hands out the dialect's placeholders. */
export class Params {
  readonly values: unknown[] = [];
  readonly #db: LifecycleDatabase;

  constructor(db: LifecycleDatabase) {
    this.#db = db;
  }

  /** A placeholder bound to `value`, cast to `type` on PostgreSQL. */
  add(value: unknown, type?: string): string {
    this.values.push(value);
    return this.#db.placeholder(this.values.length, this.#db.dialect === 'postgres' ? type : undefined);
  }
}

const OPS: Record<string, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** `filter` as SQL with its value bound. */
function filterSql(target: TableTarget, f: Filter, params: Params): string {
  const column = target.table.columns.find((c) => c.name === f.column)!;
  const name = quoteIdent(f.column);
  if (f.op === 'isNull') return `${name} IS NULL`;
  if (f.op === 'notNull') return `${name} IS NOT NULL`;
  if (f.op === 'in' || f.op === 'notIn') return `${name} ${f.op === 'in' ? 'IN' : 'NOT IN'} (${f.value.map((v) => params.add(v, column.type)).join(', ')})`;
  if (!('value' in f) || Array.isArray(f.value)) throw new TypeError(`filter ${f.op} has no single value`);
  return `${name} ${OPS[f.op]} ${params.add(f.value, column.type)}`;
}

/** The rows a policy reaches: older than the cut-off and matching every filter. */
export function predicateSql(target: TableTarget, cutoff: Date, params: Params): string {
  const parts = [`${quoteIdent(target.timestamp.name)} < ${params.add(cutoffValue(target, cutoff), target.timeFormat === 'native' ? target.timestamp.type : undefined)}`];
  for (const f of target.policy.where ?? []) parts.push(filterSql(target, f, params));
  return parts.join(' AND ');
}

/** A column list as SQL (`"id"` or `("a", "b")`). */
function rowOf(columns: ColumnInfo[]): string {
  const names = columns.map((c) => quoteIdent(c.name));
  return names.length === 1 ? names[0]! : `(${names.join(', ')})`;
}

/** Values bound as a SQL row, each cast to its column's type. */
function valuesOf(columns: ColumnInfo[], values: unknown[], params: Params): string {
  const parts = columns.map((c, i) => params.add(values[i], c.type));
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}

/** `ORDER BY` of the keyset: the age column, then the key. */
export function orderSql(target: TableTarget, direction: 'ASC' | 'DESC' = 'ASC'): string {
  return target.keyset.map((k) => `${quoteIdent(k.name)} ${direction}`).join(', ');
}

/**
 * Bounds of a keyset range: after `after` (exclusive) up to `upTo` (inclusive). The age column is
 * bounded on its own as well, so a plain index on it serves the range (a row comparison alone does not).
 */
export function rangeSql(target: TableTarget, after: unknown[] | undefined, upTo: unknown[] | undefined, params: Params, inclusiveFrom = false): string {
  const parts: string[] = [];
  const age = quoteIdent(target.timestamp.name);
  const ageType = target.keyset[0]!.type;
  if (after) {
    parts.push(`${age} >= ${params.add(after[0], ageType)}`);
    parts.push(`${rowOf(target.keyset)} ${inclusiveFrom ? '>=' : '>'} ${valuesOf(target.keyset, after, params)}`);
  }
  if (upTo) {
    parts.push(`${age} <= ${params.add(upTo[0], ageType)}`);
    parts.push(`${rowOf(target.keyset)} <= ${valuesOf(target.keyset, upTo, params)}`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** The keyset columns of a row, as exact values, under the names `core_p0`, `core_p1`, … */
export function positionColumns(db: LifecycleDatabase, target: TableTarget): string {
  return target.keyset.map((k, i) => `${db.exact(quoteIdent(k.name))} AS core_p${i}`).join(', ');
}

/** A row's position in the keyset (age value, then key values), read from `positionColumns`. */
export function positionOf(target: TableTarget, row: Record<string, unknown>): unknown[] {
  return target.keyset.map((_, i) => row[`core_p${i}`]);
}

/** The key (identity) part of a position. */
export function keyOf(target: TableTarget, position: unknown[]): unknown[] {
  return target.key.map((k) => position[target.keyset.indexOf(k)]);
}

/** Positions as JSON for the ledger and manifests (exact text values, so they bind back unchanged). */
export function keyJson(position: unknown[]): string {
  return JSON.stringify(position);
}

/** One row of a batch: its keyset position, its key, and its JSON text. */
export interface BatchRow {
  position: unknown[];
  key: unknown[];
  json: string;
}

/** Selects the next batch of rows (with their JSON text) in keyset order. */
export async function selectRows(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date | undefined, after: unknown[] | undefined, upTo: unknown[] | undefined, limit: number): Promise<BatchRow[]> {
  const params = new Params(db);
  const where = [cutoff ? predicateSql(target, cutoff, params) : 'TRUE', rangeSql(target, after, upTo, params)].join(' AND ');
  const rows = await tx.query<Record<string, unknown>>(`SELECT ${positionColumns(db, target)}, ${db.rowJson('t', target.table.columns)} AS core_row FROM ${target.sql} AS t WHERE ${where} ORDER BY ${orderSql(target)} LIMIT ${Math.floor(limit)}`, params.values);
  return rows.map((row) => {
    const position = positionOf(target, row);
    return { position, key: keyOf(target, position), json: String(row.core_row) };
  });
}

/** Selects the next batch's positions only (for a plain delete). */
export async function selectPositions(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date, after: unknown[] | undefined, upTo: unknown[] | undefined, limit: number, direction: 'ASC' | 'DESC' = 'ASC'): Promise<unknown[][]> {
  const params = new Params(db);
  const where = `${predicateSql(target, cutoff, params)} AND ${rangeSql(target, after, upTo, params)}`;
  const rows = await tx.query<Record<string, unknown>>(`SELECT ${positionColumns(db, target)} FROM ${target.sql} WHERE ${where} ORDER BY ${orderSql(target, direction)} LIMIT ${Math.floor(limit)}`, params.values);
  return rows.map((row) => positionOf(target, row));
}

/** Rows whose position lies in [first, last] (both inclusive), whatever their age: what a verified archive's batch covered. */
export async function rowsBetween(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, first: unknown[], last: unknown[]): Promise<BatchRow[]> {
  const params = new Params(db);
  const where = rangeSql(target, first, last, params, true);
  const rows = await tx.query<Record<string, unknown>>(`SELECT ${positionColumns(db, target)}, ${db.rowJson('t', target.table.columns)} AS core_row FROM ${target.sql} AS t WHERE ${where}`, params.values);
  return rows.map((row) => {
    const position = positionOf(target, row);
    return { position, key: keyOf(target, position), json: String(row.core_row) };
  });
}

/**
 * Deletes exactly `keys` (still matching the policy: a row that stopped matching stays) and returns,
 * for each deleted row, what `rowFingerprint` gives for its JSON text (the MD5 where the database has
 * one; empty strings without `withRows`), to compare with its archive.
 */
export async function deleteKeys(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date, keys: unknown[][], withRows: boolean): Promise<string[]> {
  if (keys.length === 0) return [];
  const params = new Params(db);
  let keyList: string;
  if (db.dialect === 'postgres') {
    // One array parameter per key column, whatever the batch size.
    const arrays = target.key.map((k, i) => params.add(keys.map((key) => key[i]), `${k.type}[]`));
    keyList = `SELECT * FROM unnest(${arrays.join(', ')})`;
  } else {
    keyList = `VALUES ${keys.map((key) => `(${target.key.map((k, i) => params.add(key[i], k.type)).join(', ')})`).join(', ')}`;
  }
  const predicate = predicateSql(target, cutoff, params);
  const returning = withRows ? `${db.rowDigest ? db.rowDigest('t', target.table.columns) : db.rowJson('t', target.table.columns)} AS core_row` : '1 AS core_row';
  const rows = await tx.query<Record<string, unknown>>(`DELETE FROM ${target.sql} AS t WHERE ${rowOf(target.key)} IN (${keyList}) AND ${predicate} RETURNING ${returning}`, params.values);
  return rows.map((row) => (withRows ? String(row.core_row) : ''));
}

/**
 * One plain-delete batch: the next `limit` rows in keyset order that match the policy are deleted.
 * Resolves to how many were deleted and the position of the last row the batch reached (undefined
 * when none was left). On PostgreSQL it is one statement that returns one row, so no key crosses the
 * wire and the service's event loop does no per-row work; SQLite selects the keys, then deletes them.
 */
export async function deleteBatch(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date, after: unknown[] | undefined, upTo: unknown[] | undefined, limit: number): Promise<{ deleted: number; first: unknown[]; last: unknown[] } | undefined> {
  if (db.dialect !== 'postgres') {
    const positions = await selectPositions(tx, db, target, cutoff, after, upTo, limit);
    if (positions.length === 0) return undefined;
    const deleted = await deleteKeys(tx, db, target, cutoff, positions.map((p) => keyOf(target, p)), false);
    return { deleted: deleted.length, first: positions[0]!, last: positions.at(-1)! };
  }
  const params = new Params(db);
  const where = `${predicateSql(target, cutoff, params)} AND ${rangeSql(target, after, upTo, params)}`;
  const keyNames = target.key.map((k) => quoteIdent(k.name)).join(', ');
  const keysetNames = target.keyset.map((k) => quoteIdent(k.name)).join(', ');
  const positions = (direction: 'ASC' | 'DESC') => `(SELECT json_build_array(${target.keyset.map((k) => `${quoteIdent(k.name)}::text`).join(', ')})::text FROM batch ORDER BY ${orderSql(target, direction)} LIMIT 1)`;
  const [row] = await tx.query<{ deleted: string; first: string | null; last: string | null }>(
    `WITH batch AS MATERIALIZED (SELECT ${keysetNames} FROM ${target.sql} WHERE ${where} ORDER BY ${orderSql(target)} LIMIT ${Math.floor(limit)}),
          gone AS (DELETE FROM ${target.sql} AS t WHERE ${rowOf(target.key)} IN (SELECT ${keyNames} FROM batch) AND ${predicateSql(target, cutoff, params)} RETURNING 1)
     SELECT (SELECT count(*) FROM gone) AS deleted, ${positions('ASC')} AS first, ${positions('DESC')} AS last`,
    params.values,
  );
  if (!row?.last || !row.first) return undefined;
  return { deleted: Number(row.deleted), first: JSON.parse(row.first) as unknown[], last: JSON.parse(row.last) as unknown[] };
}

/** What `deleteKeys` returns for a row whose JSON text is `json`: its MD5 where the database computes one, else the text. */
export function rowFingerprint(db: LifecycleDatabase, json: string): string {
  return db.rowDigest ? createHash('md5').update(json).digest('hex') : json;
}

/** Most keys one SQLite statement can bind (its limit is 32,766 parameters). */
export function maxBatchFor(db: LifecycleDatabase, target: TableTarget): number {
  return db.dialect === 'sqlite' ? Math.floor(30_000 / target.key.length) : 100_000;
}
