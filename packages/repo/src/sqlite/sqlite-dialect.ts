import { errorCode, type Dialect } from '../dialect';

/**
 * SQLite: `?` placeholders; a transaction that locks rows starts with BEGIN IMMEDIATE (SQLite locks
 * the database, not rows, and busy_timeout is its lock timeout); no server to time statements out.
 */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  placeholder: () => '?',
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  // One writer at a time: every transaction is serializable; IMMEDIATE takes the write lock up front.
  begin: () => 'BEGIN IMMEDIATE',
  lockPreamble: () => [],
  // Callers in this process take turns on the one connection: waiting for it is waiting for the lock.
  lockWait: (options) => (options.nowait ? 0 : (options.lockTimeoutMs ?? 5_000)),
  lockClause: () => '',
  statementTimeout: () => undefined,
  isRetryableTransactionError: (error) => errorCode(error) === 'SQLITE_BUSY',
  isLockTimeout: (error) => errorCode(error) === 'SQLITE_BUSY',
  isStatementTimeout: () => false,
  isConnectionError: (error) => ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_NOTADB'].includes(errorCode(error) ?? ''),
  isDriverError: (error) => (errorCode(error) ?? '').startsWith('SQLITE_'),
  isConstraintViolation: (error) => (errorCode(error) ?? '').startsWith('SQLITE_CONSTRAINT'),
  // Timestamps are stored as text (TypeORM datetime): julianday gives fractional days.
  // Values come back as stored: nothing is lost on the way.
  exactText: (expression) => expression,
  bucketStart: (column, bucketMs) =>
    `(CAST(ROUND((julianday(${column}) - 2440587.5) * 86400000) AS INTEGER) / ${bucketMs}) * ${bucketMs}`,
  timestampParam: (date) => date.toISOString().replace('T', ' ').replace('Z', ''),
};
