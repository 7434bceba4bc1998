import { errorCode, type Dialect, type IsolationLevel, type LockOptions } from '../dialect';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const CONNECTION_MESSAGES = /Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i;

/** PostgreSQL: `$n` placeholders, SET LOCAL lock_timeout, FOR UPDATE [NOWAIT | SKIP LOCKED], date_bin. */
export const postgresDialect: Dialect = {
  name: 'postgres',
  placeholder: (i) => `$${i}`,
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  begin: (isolation?: IsolationLevel) => (isolation ? `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}` : 'BEGIN'),
  lockPreamble: (options: LockOptions) => (options.nowait || options.skipLocked ? [] : [`SET LOCAL lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs ?? 5_000))}`]),
  lockWait: () => undefined,
  lockClause: (options: LockOptions) => (options.nowait ? ' FOR UPDATE NOWAIT' : options.skipLocked ? ' FOR UPDATE SKIP LOCKED' : ' FOR UPDATE'),
  statementTimeout: (ms) => `SET LOCAL statement_timeout = ${Math.max(1, Math.round(ms))}`,
  // 40001 serialization_failure, 40P01 deadlock_detected.
  isRetryableTransactionError: (error) => ['40001', '40P01'].includes(errorCode(error) ?? ''),
  // 55P03 lock_not_available (lock_timeout and NOWAIT).
  isLockTimeout: (error) => errorCode(error) === '55P03',
  // 57014 query_canceled (statement_timeout, pg_cancel_backend).
  isStatementTimeout: (error) => errorCode(error) === '57014',
  isConnectionError: (error) => CONNECTION_CODES.has(errorCode(error) ?? '') || CONNECTION_MESSAGES.test((error as Error | undefined)?.message ?? ''),
  // node-postgres' DatabaseError carries the server's severity with its five-character SQLSTATE.
  isDriverError: (error) => typeof (error as { severity?: unknown })?.severity === 'string' && /^[0-9A-Z]{5}$/.test(errorCode(error) ?? ''),
  // Class 23: integrity constraint violation.
  isConstraintViolation: (error) => (errorCode(error) ?? '').startsWith('23'),
  exactText: (expression) => `${expression}::text`,
  bucketStart: (column, bucketMs) =>
    `(EXTRACT(EPOCH FROM date_bin(make_interval(secs => ${bucketMs / 1000}), ${column}, TIMESTAMPTZ '1970-01-01 00:00:00+00')) * 1000)::bigint`,
  timestampParam: (date) => date,
};
