import Database from 'better-sqlite3';
import type { ColumnInfo, FailureKind, LifecycleDatabase, SqlRunner, TableInfo, TransactionOptions } from '../database/database';
import { quoteIdent } from '../database/database';
import { LifecycleUnavailableError } from '../errors';

/** Options of `sqliteDatabase`. */
export interface SqliteDatabaseOptions {
  /** Path of the database file (opened in WAL mode and closed by `close()`), or an open better-sqlite3 database (left open). */
  database: string | Database.Database;
}

/** SQLite through better-sqlite3: `BEGIN IMMEDIATE` transactions with `busy_timeout` as the lock timeout. */
class SqliteDatabase implements LifecycleDatabase {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #owned: boolean;
  #closed = false;

  constructor(options: SqliteDatabaseOptions) {
    this.#owned = typeof options.database === 'string';
    try {
      this.#db = typeof options.database === 'string' ? new Database(options.database) : options.database;
    } catch (error) {
      throw new LifecycleUnavailableError(`SQLite database ${String(options.database)} cannot be opened: ${(error as Error).message}`, { cause: error });
    }
    if (this.#owned) this.#db.pragma('journal_mode = WAL');
  }

  placeholder(index: number): string {
    // Named, so one parameter can appear twice in a statement (better-sqlite3 counts `?NNN` as separate values).
    return `@p${index}`;
  }

  exact(column: string): string {
    return column;
  }

  rowJson(_alias: string, columns: ColumnInfo[]): string {
    // JSON cannot hold a BLOB: those columns are written as hex text.
    const pairs = columns.map((c) => `'${c.name}', ${/BLOB/i.test(c.type) ? `hex(${quoteIdent(c.name)})` : quoteIdent(c.name)}`);
    return `json_object(${pairs.join(', ')})`;
  }

  #run<Row>(sql: string, params: unknown[]): Row[] {
    const statement = this.#db.prepare(sql);
    const values: Record<string, unknown> = {};
    params.forEach((p, i) => (values[`p${i + 1}`] = p instanceof Date ? p.toISOString() : typeof p === 'boolean' ? Number(p) : p));
    const bound = params.length > 0 ? [values] : [];
    return statement.reader ? (statement.all(...bound) as Row[]) : (statement.run(...bound), []);
  }

  async transaction<T>(options: TransactionOptions, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (this.#closed) throw new LifecycleUnavailableError('the SQLite database is closed');
    this.#db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.lockTimeoutMs))}`);
    this.#run('BEGIN IMMEDIATE', []);
    const tx: SqlRunner = { query: async <Row>(sql: string, params: unknown[] = []) => this.#run<Row>(sql, params) };
    try {
      const result = await fn(tx);
      this.#run('COMMIT', []);
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#run('ROLLBACK', []);
      throw error;
    }
  }

  async describe(table: string): Promise<TableInfo | undefined> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['main', table];
    const exists = this.#run<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(schema!)}.sqlite_master WHERE type = 'table' AND name = @p1`, [name]);
    if (!exists[0]?.n) return undefined;
    const info = this.#run<{ name: string; type: string; pk: number }>(`SELECT name, type, pk FROM pragma_table_info(@p1, @p2)`, [name, schema]);
    const list = this.#run<{ name: string; origin: string }>(`SELECT name, origin FROM pragma_index_list(@p1, @p2)`, [name, schema]);
    const indexes = list.map((index) => ({
      name: index.name,
      columns: this.#run<{ name: string | null }>(`SELECT name FROM pragma_index_info(@p1, @p2) ORDER BY seqno`, [index.name, schema]).map((c) => c.name),
    }));
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    // A rowid alias (INTEGER PRIMARY KEY) has no entry in index_list: the table itself is that index.
    if (primaryKey.length === 1 && /^INTEGER$/i.test(info.find((c) => c.name === primaryKey[0])!.type)) indexes.push({ name: 'INTEGER PRIMARY KEY', columns: [primaryKey[0]!] });
    return { name: table, columns: info.map(({ name: n, type }) => ({ name: n, type })), primaryKey, indexes, partitioned: false };
  }

  async plannedIndex(sql: string, params: unknown[]): Promise<string | undefined> {
    const rows = this.#run<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
    for (const { detail } of rows) {
      const match = /USING (?:COVERING )?INDEX (\S+)|USING (INTEGER PRIMARY KEY)/.exec(detail);
      if (match) return match[1] ?? match[2];
    }
    return undefined;
  }

  failureOf(error: unknown): FailureKind | undefined {
    if (error instanceof LifecycleUnavailableError) return 'unavailable';
    const code = (error as { code?: string } | undefined)?.code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'lock-timeout';
    return undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) this.#db.close();
  }
}

/** The lifecycle's view of a SQLite database. */
export function sqliteDatabase(options: SqliteDatabaseOptions): LifecycleDatabase {
  return new SqliteDatabase(options);
}
