import { createHash } from 'node:crypto';
import type { DataSource, EntityMetadata } from 'typeorm';
import { bulkLoad, type BulkLoadOptions } from './bulk-load';
import { decodeCursor, encodeCursor } from './cursor';
import { afterCondition, orderBySql } from './keyset';
import type { LockOptions } from './dialect';
import { InvalidQueryError, NotFoundError } from './errors';
import type { Executor } from './executor';
import { pageWindow, sortKeys } from './page-window';
import { columnFor, whereClause, type ColumnMetadata, type OrderBy, type Where } from './query-guard';
import type { SqlConnection } from './sql-connection';
import { checkValue } from './value-check';

export { MAX_LIMIT } from './page-window';

/** Options of `getMany`. */
export interface GetManyOptions<T> {
  where?: Where<T>;
  orderBy?: OrderBy<T>;
  /** Default 100, capped at 1,000. */
  limit?: number;
  offset?: number;
  /** Keyset pagination: the `nextCursor` of the previous page (instead of `offset`). */
  cursor?: string;
  timeoutMs?: number;
}

/** A page of `getMany`, with the cursor of the next page when there may be one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

/** Per-call options. */
export interface CallTimeout {
  timeoutMs?: number;
}

type Row = Record<string, unknown>;

/**
 * CRUD over one entity, with SQL generated once from TypeORM's metadata: every field a caller names
 * is checked against the entity (`InvalidQueryError` otherwise), every value is a parameter, values go
 * through the driver's own conversions both ways. Reads may be served by a replica; writes go to the
 * primary.
 */
export class Repository<T extends object> {
  readonly metadata: EntityMetadata;
  readonly #executor: Executor;
  readonly #dataSource: DataSource;
  readonly #table: string;
  readonly #columns: string;
  readonly #pk: ColumnMetadata;
  readonly #getById: string;
  /** Prepared-statement name, unique per schema-qualified table (PostgreSQL keeps 63 bytes). */
  readonly #getByIdName: string;

  constructor(dataSource: DataSource, metadata: EntityMetadata, executor: Executor) {
    this.metadata = metadata;
    this.#executor = executor;
    this.#dataSource = dataSource;
    const q = executor.dialect.quote;
    this.#table = metadata.schema ? `${q(metadata.schema)}.${q(metadata.tableName)}` : q(metadata.tableName);
    this.#columns = metadata.columns.map((c) => q(c.databaseName)).join(', ');
    if (metadata.primaryColumns.length !== 1) throw new InvalidQueryError(`${metadata.name} needs exactly one primary column`);
    this.#pk = metadata.primaryColumns[0]!;
    this.#getByIdName = `core_get_${createHash('sha1').update(this.#table).digest('hex').slice(0, 16)}`;
    this.#getById = `SELECT ${this.#columns} FROM ${this.#table} WHERE ${q(this.#pk.databaseName)} = ${executor.dialect.placeholder(1)}`;
  }

  /** Inserts a row; returns it as stored (defaults and generated ids filled in). */
  async create(data: Partial<T>, options: CallTimeout = {}): Promise<T> {
    const { names, values } = this.#assignments(data, 'create');
    const params: unknown[] = [];
    const placeholders = values.map(({ value, column }) => this.#param(params, value, column));
    const sql =
      names.length === 0
        ? `INSERT INTO ${this.#table} DEFAULT VALUES RETURNING ${this.#columns}`
        : `INSERT INTO ${this.#table} (${names.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING ${this.#columns}`;
    const rows = await this.#executor.write((c) => c.query<Row>(sql, params), { ...options, statement: this.#label('create') });
    return this.#hydrate(rows[0]!);
  }

  /** The row with this primary key, or undefined. */
  async getById(id: unknown, options: CallTimeout = {}): Promise<T | undefined> {
    const params = [this.#persist(id, this.#pk)];
    const name = this.#getByIdName;
    const rows = await this.#executor.read((c) => c.query<Row>(this.#getById, params, name), { ...options, idempotent: true, statement: this.#label('getById') });
    return rows.length === 0 ? undefined : this.#hydrate(rows[0]!);
  }

  /** Filtered, ordered, capped page; offset or keyset (`cursor`) pagination. */
  async getMany(options: GetManyOptions<T> = {}): Promise<Page<T>> {
    const { limit: capped, offset } = pageWindow(options);
    const q = this.#executor.dialect.quote;
    const params: unknown[] = [];
    const order = sortKeys(this.metadata, options.orderBy as Record<string, unknown> | undefined, this.#pk);
    let where = whereClause(this.metadata, options.where as Record<string, unknown> | undefined, q, (v, c) => this.#param(params, v, c));
    if (options.cursor !== undefined) {
      if (new Set(order.map((o) => o.descending)).size > 1) throw new InvalidQueryError('cursor pagination needs every orderBy field in the same direction');
      const after = decodeCursor(options.cursor, order.length);
      where += `${where ? ' AND' : ' WHERE'} ${afterCondition(order, after, q, (v) => this.#placeholder(params, v))}`;
    }
    // The cursor carries each sort key as the server prints it (microseconds and all), not as the
    // driver parsed it (a JavaScript Date keeps milliseconds only).
    const keys = order.map((o, i) => `${this.#executor.dialect.exactText(q(o.column.databaseName))} AS ${q(`__cursor_${i}`)}`).join(', ');
    const sql = `SELECT ${this.#columns}, ${keys} FROM ${this.#table}${where}${orderBySql(order, q)} LIMIT ${capped}${offset > 0 ? ` OFFSET ${offset}` : ''}`;
    const rows = await this.#executor.read((c) => c.query<Row>(sql, params), { timeoutMs: options.timeoutMs, idempotent: true, statement: this.#label('getMany') });
    const items = rows.map((r) => this.#hydrate(r));
    const last = rows.at(-1);
    const nextCursor = rows.length === capped && last ? encodeCursor(order.map((_o, i) => last[`__cursor_${i}`])) : undefined;
    return { items, nextCursor };
  }

  /** Applies a partial update; returns the updated row, or undefined when there is none. */
  async update(id: unknown, patch: Partial<T>, options: CallTimeout = {}): Promise<T | undefined> {
    const rows = await this.#executor.write((c) => this.#updateOn(c, id, patch), { ...options, statement: this.#label('update') });
    return rows.length === 0 ? undefined : this.#hydrate(rows[0]!);
  }

  /** Deletes a row; true when there was one. */
  async delete(id: unknown, options: CallTimeout = {}): Promise<boolean> {
    const q = this.#executor.dialect.quote;
    const params: unknown[] = [];
    const sql = `DELETE FROM ${this.#table} WHERE ${q(this.#pk.databaseName)} = ${this.#param(params, id, this.#pk)} RETURNING ${q(this.#pk.databaseName)}`;
    const rows = await this.#executor.write((c) => c.query(sql, params), { ...options, statement: this.#label('delete') });
    return rows.length > 0;
  }

  /** Rows matching the filter. */
  async count(where?: Where<T>, options: CallTimeout = {}): Promise<number> {
    const params: unknown[] = [];
    const clause = whereClause(this.metadata, where as Record<string, unknown> | undefined, this.#executor.dialect.quote, (v, c) => this.#param(params, v, c));
    const rows = await this.#executor.read((c) => c.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${this.#table}${clause}`, params), { ...options, idempotent: true, statement: this.#label('count') });
    return Number(rows[0]!.n);
  }

  /** True when a row matches the filter. */
  async exists(where: Where<T>, options: CallTimeout = {}): Promise<boolean> {
    const params: unknown[] = [];
    const clause = whereClause(this.metadata, where as Record<string, unknown>, this.#executor.dialect.quote, (v, c) => this.#param(params, v, c));
    const rows = await this.#executor.read((c) => c.query(`SELECT 1 AS hit FROM ${this.#table}${clause} LIMIT 1`, params), { ...options, idempotent: true, statement: this.#label('exists') });
    return rows.length > 0;
  }

  /** Inserts, or updates the row that conflicts on `conflictFields` (default: the primary key). */
  async upsert(data: Partial<T>, conflictFields: Array<keyof T & string> = [this.#pk.propertyName as keyof T & string], options: CallTimeout = {}): Promise<T> {
    const q = this.#executor.dialect.quote;
    const { names, values } = this.#assignments(data, 'upsert');
    if (names.length === 0) throw new InvalidQueryError(`upsert of ${this.metadata.name} needs at least one field, including the conflict fields`);
    const conflict = conflictFields.map((f) => q(columnFor(this.metadata, f, 'conflict field').databaseName));
    const params: unknown[] = [];
    const placeholders = values.map(({ value, column }) => this.#param(params, value, column));
    const updates = names.filter((n) => !conflict.includes(n)).map((n) => `${n} = EXCLUDED.${n}`);
    const action = updates.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updates.join(', ')}`;
    const sql = `INSERT INTO ${this.#table} (${names.join(', ')}) VALUES (${placeholders.join(', ')}) ON CONFLICT (${conflict.join(', ')}) ${action} RETURNING ${this.#columns}`;
    const rows = await this.#executor.write((c) => c.query<Row>(sql, params), { ...options, statement: this.#label('upsert') });
    if (rows.length > 0) return this.#hydrate(rows[0]!);
    const id = (data as Record<string, unknown>)[this.#pk.propertyName];
    return (await this.getById(id))!;
  }

  /**
   * Reads the row with `SELECT … FOR UPDATE` in a transaction (lock timeout server-side; `nowait` or
   * `skipLocked` on request), lets `change` compute the patch from the locked row, writes it, commits.
   * Throws `NotFoundError` when there is no row (or it was skipped), `LockTimeoutError` when the lock
   * was not granted in time.
   */
  async updateWithLock(id: unknown, change: (current: T) => Partial<T> | Promise<Partial<T>>, options: LockOptions & CallTimeout = {}): Promise<T> {
    const dialect = this.#executor.dialect;
    const q = dialect.quote;
    return this.#executor.transaction(
      async (connection) => {
        const params = [this.#persist(id, this.#pk)];
        const select = `SELECT ${this.#columns} FROM ${this.#table} WHERE ${q(this.#pk.databaseName)} = ${dialect.placeholder(1)}${dialect.lockClause(options)}`;
        const rows = await connection.query<Row>(select, params);
        if (rows.length === 0) throw new NotFoundError(`${this.metadata.name} ${String(id)} not found${options.skipLocked ? ' (or locked and skipped)' : ''}`);
        const patch = await change(this.#hydrate(rows[0]!));
        const updated = await this.#updateOn(connection, id, patch);
        return this.#hydrate(updated[0] ?? rows[0]!);
      },
      { timeoutMs: options.timeoutMs, preamble: dialect.lockPreamble(options), acquireWaitMs: dialect.lockWait(options), retries: 0 },
    );
  }

  /** Loads many rows at once (COPY on PostgreSQL, multi-row INSERTs in a transaction on SQLite). */
  async bulkLoad(rows: AsyncIterable<Partial<T>> | Iterable<Partial<T>>, options: BulkLoadOptions = {}): Promise<number> {
    return bulkLoad<T>(this.#dataSource, this.metadata, this.#executor, rows, options);
  }

  async #updateOn(connection: SqlConnection, id: unknown, patch: Partial<T>): Promise<Row[]> {
    const q = this.#executor.dialect.quote;
    const { names, values } = this.#assignments(patch, 'update');
    const params: unknown[] = [];
    const sets = names.map((n, i) => `${n} = ${this.#param(params, values[i]!.value, values[i]!.column)}`);
    const key = this.#param(params, id, this.#pk);
    if (sets.length === 0) return connection.query<Row>(`SELECT ${this.#columns} FROM ${this.#table} WHERE ${q(this.#pk.databaseName)} = ${key}`, params);
    return connection.query<Row>(`UPDATE ${this.#table} SET ${sets.join(', ')} WHERE ${q(this.#pk.databaseName)} = ${key} RETURNING ${this.#columns}`, params);
  }

  #assignments(data: Partial<T>, what: string): { names: string[]; values: Array<{ value: unknown; column: ColumnMetadata }> } {
    if (typeof data !== 'object' || data === null) throw new InvalidQueryError(`${what} takes an object of fields`);
    const names: string[] = [];
    const values: Array<{ value: unknown; column: ColumnMetadata }> = [];
    for (const [property, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const column = columnFor(this.metadata, property, `${what} field`);
      names.push(this.#executor.dialect.quote(column.databaseName));
      values.push({ value, column });
    }
    return { names, values };
  }

  #label(operation: string): string {
    return `${this.metadata.name}.${operation}`;
  }

  #persist(value: unknown, column: ColumnMetadata): unknown {
    checkValue(value, column, this.metadata.name);
    return this.#dataSource.driver.preparePersistentValue(value, column);
  }

  #param(params: unknown[], value: unknown, column: ColumnMetadata): string {
    return this.#placeholder(params, this.#persist(value, column));
  }

  #placeholder(params: unknown[], persisted: unknown): string {
    params.push(persisted);
    return this.#executor.dialect.placeholder(params.length);
  }

  #hydrate(row: Row): T {
    const entity: Record<string, unknown> = {};
    for (const column of this.metadata.columns) {
      entity[column.propertyName] = this.#dataSource.driver.prepareHydratedValue(row[column.databaseName], column);
    }
    return entity as T;
  }
}
