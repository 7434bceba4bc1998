import { ConstraintViolationError, StatementFailedError } from './errors';

/** Isolation levels a transaction may ask for. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Row-lock behaviour of `updateWithLock`. */
export interface LockOptions {
  /** Fail at once if the row is locked. */
  nowait?: boolean;
  /** Skip the row if it is locked (the update then reports not found). */
  skipLocked?: boolean;
  /** How long to wait for the lock, ms (default 5,000). */
  lockTimeoutMs?: number;
}

/** What differs between PostgreSQL and SQLite, in one place. */
export interface Dialect {
  readonly name: 'postgres' | 'sqlite';
  /** `$1` or `?`. */
  placeholder(index: number): string;
  quote(identifier: string): string;
  begin(isolation: IsolationLevel | undefined): string;
  /** Statements run at the start of a transaction that locks rows (lock timeout). */
  lockPreamble(options: LockOptions): string[];
  /** How long to wait for the connection itself when it is the lock (SQLite's single writer). */
  lockWait(options: LockOptions): number | undefined;
  /** `FOR UPDATE …` suffix, or '' where rows are locked by the transaction itself. */
  lockClause(options: LockOptions): string;
  /** Statement that sets a per-call statement timeout inside a transaction, if the server has one. */
  statementTimeout(ms: number): string | undefined;
  /** True for errors after which the whole transaction may be retried. */
  isRetryableTransactionError(error: unknown): boolean;
  /** True for a lock that could not be taken in time. */
  isLockTimeout(error: unknown): boolean;
  /** True for a statement the server cancelled for running too long. */
  isStatementTimeout(error: unknown): boolean;
  /** True for failures of the connection or server rather than of the statement. */
  isConnectionError(error: unknown): boolean;
  /** True for an error the driver raised for a statement (rather than the caller's own error). */
  isDriverError(error: unknown): boolean;
  /** True for a unique, foreign-key, not-null or check violation. */
  isConstraintViolation(error: unknown): boolean;
  /** SQL expression: a column's value as text that loses nothing (a cursor key); the server casts it back. */
  exactText(expression: string): string;
  /** SQL expression: the start of the `bucketMs` bucket containing `column`, as epoch ms. */
  bucketStart(column: string, bucketMs: number): string;
  /** Converts a Date for a parameter of a timestamp column. */
  timestampParam(date: Date): unknown;
}

/**
 * A driver's own error as this package's: a constraint violation or a refused statement, the driver
 * error kept as `cause`. Anything else (a caller's own error thrown inside a transaction) passes through.
 */
export function driverError(error: unknown, dialect: Dialect): Error {
  const code = errorCode(error);
  if (!code || !dialect.isDriverError(error)) return error as Error;
  const message = (error as Error).message;
  if (dialect.isConstraintViolation(error)) {
    const constraint = (error as { constraint?: unknown }).constraint;
    return new ConstraintViolationError(`${message} (fix the values or handle the conflict)`, typeof constraint === 'string' ? constraint : undefined, { cause: error });
  }
  return new StatementFailedError(`${message} [${code}]`, code, { cause: error });
}

/** The SQLSTATE / code of a driver error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
