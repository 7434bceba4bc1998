/** SQL dialects the runner writes statements for. */
export type Dialect = 'postgres' | 'sqlite';

/** Runs one statement with bound parameters and returns its rows. */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** A column as the catalog describes it (`type` is PostgreSQL's `format_type` or SQLite's declared type). */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** What the runner needs to know about a table before it writes a statement for it. */
export interface TableInfo {
  /** Schema-qualified name as given (`events` or `audit.events`). */
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Each index with its key columns in order (expressions as `null`). */
  indexes: Array<{ name: string; columns: Array<string | null> }>;
  /** PostgreSQL declarative partitioning: this is the parent. */
  partitioned: boolean;
}

/** One partition of a range-partitioned table. */
export interface PartitionInfo {
  /** Schema-qualified name. */
  name: string;
  /** Upper bound of its range (exclusive); undefined for MAXVALUE or the default partition. */
  upperBound: Date | undefined;
  isDefault: boolean;
}

/** Deadlines of one transaction. */
export interface TransactionOptions {
  /** Longest wait for a row or table lock (PostgreSQL `lock_timeout`, SQLite `busy_timeout`), ms. */
  lockTimeoutMs: number;
  /** Longest run of one statement (PostgreSQL `statement_timeout`), ms. */
  statementTimeoutMs: number;
}

/** How a failed statement failed, as far as the runner cares. */
export type FailureKind = 'lock-timeout' | 'statement-timeout' | 'unavailable';

/**
 * The database a lifecycle runs against: `@core/lifecycle/postgres` and `@core/lifecycle/sqlite` give
 * one each. Statements come from the runner with identifiers checked against `describe()`.
 */
export interface LifecycleDatabase {
  readonly dialect: Dialect;
  /** Placeholder for the `index`-th (1-based) parameter, cast to `type` where the dialect needs it. */
  placeholder(index: number, type?: string): string;
  /**
   * A column as a value that survives the round trip back into a parameter exactly (PostgreSQL: its
   * text form, so microseconds and 64-bit integers are kept; SQLite: the stored value).
   */
  exact(column: string): string;
  /** SQL expression giving one row of `alias` (or of the unaliased table) as JSON text. */
  rowJson(alias: string, columns: ColumnInfo[]): string;
  /**
   * SQL giving the MD5 (hex) of `rowJson`, so a delete can return 32 bytes per row instead of the row
   * to compare with its archive; absent where the database has no MD5 (the JSON itself is returned).
   */
  rowDigest?(alias: string, columns: ColumnInfo[]): string;
  /** Runs `fn` in one transaction with the given deadlines; rolls back when it throws. */
  transaction<T>(options: TransactionOptions, fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** The table, or undefined when it does not exist. */
  describe(table: string): Promise<TableInfo | undefined>;
  /** Name of the index the planner would use for a statement, undefined for a scan. */
  plannedIndex(sql: string, params: unknown[], options: TransactionOptions): Promise<string | undefined>;
  /** Classifies a failure; undefined for a statement's own error. */
  failureOf(error: unknown): FailureKind | undefined;
  /** Largest replay lag of the connected standbys, ms (undefined when none are connected). */
  replicationLagMs?(): Promise<number | undefined>;
  /** Partitions of a partitioned table (PostgreSQL only). */
  partitions?(table: string): Promise<PartitionInfo[]>;
  /** Ends the connections this object opened (idempotent). */
  close(): Promise<void>;
}

/** A table name as SQL: `"events"` or `"audit"."events"` (names were checked to be plain identifiers). */
export function quoteTable(name: string): string {
  return name
    .split('.')
    .map((part) => quoteIdent(part))
    .join('.');
}

/** An identifier as SQL (names were checked to be plain identifiers; the quotes keep their case). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
