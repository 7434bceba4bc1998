import type { Dialect, HistoryRow, MigrationContext } from './migration';
import type { SchemaSnapshot } from './schema-snapshot';

/** How to take the migration lock. */
export interface LockOptions {
  /** Wait for a running migration to finish (true) or fail at once with `MigrationLockedError`. */
  wait: boolean;
  /** How long to wait before giving up, ms. */
  timeoutMs: number;
}

/** The migration lock while it is held. */
export interface HeldLock {
  /** Throws `MigrationLockLostError` if the lock's session is gone (checked before each migration). */
  assertHeld(): Promise<void>;
}

/** How one migration's unit of work runs. */
export interface UnitOptions {
  /** In a transaction (rolled back on failure) or not (`-- migrate:no-transaction`). */
  transaction: boolean;
  /** Longest wait for a table lock before the statement gives up, ms (PostgreSQL `lock_timeout`). */
  lockTimeoutMs?: number;
}

/** Writes to the history table, inside the unit of work that applies the migration. */
export interface HistoryWriter {
  insert(row: Omit<HistoryRow, 'appliedAt'>): Promise<void>;
  remove(name: string): Promise<void>;
  updateChecksum(name: string, checksum: string): Promise<void>;
}

/** A unit of work: the migration context plus history writes, committed together. */
export interface Work {
  context: MigrationContext;
  history: HistoryWriter;
}

/**
 * What the runner needs from a database. `@core/migrate/postgres` and `@core/migrate/sqlite` provide
 * one each; implement it for another database.
 */
export interface MigrationDriver {
  readonly dialect: Dialect;
  /** Creates the history table if it does not exist. */
  ensureHistory(): Promise<void>;
  /** The history, oldest first. */
  readHistory(): Promise<HistoryRow[]>;
  /** Runs `fn` holding the migration lock; releases it however `fn` ends. */
  withLock<T>(options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction (or, with `transaction: false`, without one) and commits. */
  unitOfWork(options: UnitOptions, fn: (work: Work) => Promise<void>): Promise<void>;
  /** True for an error that means "a lock was not granted in time" (the migration may be retried). */
  isLockTimeout?(error: unknown): boolean;
  /** Records that a migration run outside a transaction failed partway (shown as `failed`). */
  recordFailure?(row: { name: string; checksum: string; executionMs: number }): Promise<void>;
  /** Runs `fn` in a transaction that is always rolled back, recording each statement. */
  rehearse(fn: (work: Work) => Promise<void>, record: (sql: string) => void): Promise<void>;
  /** Tables, columns, indexes and constraints of the migrated schema (history table excluded). */
  snapshot(): Promise<SchemaSnapshot>;
  /** A driver on an empty scratch schema / database, and how to throw it away. */
  scratch(): Promise<{ driver: MigrationDriver; drop(): Promise<void> }>;
  close(): Promise<void>;
}
