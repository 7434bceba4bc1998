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
  key: ColumnInfo[];
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
  return { policy, table, sql: quoteTable(policy.table), key, timestamp, timeFormat, isoSeparator, ageIndex };
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

/** The key columns as a SQL row (`"id"` or `("a", "b")`). */
export function keySql(target: TableTarget): string {
  const names = target.key.map((k) => quoteIdent(k.name));
  return names.length === 1 ? names[0]! : `(${names.join(', ')})`;
}

/** A key value as a bound SQL row. */
export function keyValueSql(target: TableTarget, key: unknown[], params: Params): string {
  const parts = target.key.map((k, i) => params.add(key[i], k.type));
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}

/** `ORDER BY` of the keyset. */
export function orderSql(target: TableTarget, direction: 'ASC' | 'DESC' = 'ASC'): string {
  return target.key.map((k) => `${quoteIdent(k.name)} ${direction}`).join(', ');
}

/** Bounds of a keyset range: after `after` (exclusive) up to `upTo` (inclusive). */
export function rangeSql(target: TableTarget, after: unknown[] | undefined, upTo: unknown[] | undefined, params: Params): string {
  const parts: string[] = [];
  if (after) parts.push(`${keySql(target)} > ${keyValueSql(target, after, params)}`);
  if (upTo) parts.push(`${keySql(target)} <= ${keyValueSql(target, upTo, params)}`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** A row's key, read from a result row by the key's column names. */
export function keyOf(target: TableTarget, row: Record<string, unknown>): unknown[] {
  return target.key.map((k) => row[k.name]);
}

/** Keys as JSON for the ledger (dates as ISO text; 64-bit integers stay text as PostgreSQL returned them). */
export function keyJson(key: unknown[]): string {
  return JSON.stringify(key);
}

/** The key columns and the row's JSON text of a keyset batch. */
export interface BatchRow {
  key: unknown[];
  json: string;
}

/** Selects the next batch of rows (with their JSON text) in keyset order. */
export async function selectRows(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date | undefined, after: unknown[] | undefined, upTo: unknown[] | undefined, limit: number): Promise<BatchRow[]> {
  const params = new Params(db);
  const where = [cutoff ? predicateSql(target, cutoff, params) : 'TRUE', rangeSql(target, after, upTo, params)].join(' AND ');
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT ${target.key.map((k) => quoteIdent(k.name)).join(', ')}, ${db.rowJson('t', target.table.columns)} AS core_row FROM ${target.sql} AS t WHERE ${where} ORDER BY ${orderSql(target)} LIMIT ${Math.floor(limit)}`,
    params.values,
  );
  return rows.map((row) => ({ key: keyOf(target, row), json: String(row.core_row) }));
}

/** Selects the next batch's keys only (for a plain delete). */
export async function selectKeys(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date, after: unknown[] | undefined, upTo: unknown[] | undefined, limit: number): Promise<unknown[][]> {
  const params = new Params(db);
  const where = `${predicateSql(target, cutoff, params)} AND ${rangeSql(target, after, upTo, params)}`;
  const rows = await tx.query<Record<string, unknown>>(`SELECT ${target.key.map((k) => quoteIdent(k.name)).join(', ')} FROM ${target.sql} WHERE ${where} ORDER BY ${orderSql(target)} LIMIT ${Math.floor(limit)}`, params.values);
  return rows.map((row) => keyOf(target, row));
}

/**
 * Deletes exactly `keys` (still matching the policy: a row that stopped matching stays) and returns
 * what was deleted, each row's JSON text included so it can be compared with its archive.
 */
export async function deleteKeys(tx: SqlRunner, db: LifecycleDatabase, target: TableTarget, cutoff: Date, keys: unknown[][], withRows: boolean): Promise<BatchRow[]> {
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
  const returning = `${target.key.map((k) => quoteIdent(k.name)).join(', ')}${withRows ? `, ${db.rowJson('t', target.table.columns)} AS core_row` : ''}`;
  const rows = await tx.query<Record<string, unknown>>(`DELETE FROM ${target.sql} AS t WHERE ${keySql(target)} IN (${keyList}) AND ${predicate} RETURNING ${returning}`, params.values);
  return rows.map((row) => ({ key: keyOf(target, row), json: withRows ? String(row.core_row) : '' }));
}

/** Most keys one SQLite statement can bind (its limit is 32,766 parameters). */
export function maxBatchFor(db: LifecycleDatabase, target: TableTarget): number {
  return db.dialect === 'sqlite' ? Math.floor(30_000 / target.key.length) : 100_000;
}
