/** Database families the runner knows. */
export type Dialect = 'postgres' | 'sqlite' | 'mongodb';

/** What a migration's `up` / `down` receive. */
export interface MigrationContext {
  readonly dialect: Dialect;
  /** Runs one or more SQL statements (SQL databases only). */
  execute(sql: string, params?: unknown[]): Promise<void>;
  /** Runs a query and returns its rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** A migration as loaded from the migrations folder. */
export interface Migration {
  /** File name without extension, e.g. `20261123150000_create_users`; migrations apply in name order. */
  name: string;
  /** Absolute path of the file. */
  path: string;
  /** SHA-256 (hex) of the file's bytes. */
  checksum: string;
  /** False when the migration must run outside a transaction (e.g. `CREATE INDEX CONCURRENTLY`). */
  transaction: boolean;
  /** This migration's own lock timeout, ms (`-- migrate:lock-timeout 30s`, or `export const lockTimeoutMs`). */
  lockTimeoutMs?: number;
  up(context: MigrationContext): Promise<void>;
  down: ((context: MigrationContext) => Promise<void>) | undefined;
  /** True for a `.sql` file whose up section is still empty (a template): listed, but never run. */
  empty?: boolean;
  /** The SQL sections of a `.sql` migration (for lint and plans). */
  sql?: { up: string; down: string | undefined };
}

/** What a module migration (`.ts` / `.js` / `.mjs` / `.cjs`) exports. */
export interface MigrationModule {
  up(context: MigrationContext): Promise<void> | void;
  down?(context: MigrationContext): Promise<void> | void;
  /** Set to `false` to run outside a transaction. */
  transaction?: boolean;
  /** Longest wait for a table lock, ms, instead of the runner's default. */
  lockTimeoutMs?: number;
}

/** One row of the history table. */
export interface HistoryRow {
  name: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
  /**
   * `baseline` rows mark migrations declared as already present in the schema; `failed` rows a
   * migration run outside a transaction that failed partway (cleared by `repair`).
   */
  kind: 'applied' | 'baseline' | 'failed';
}
