/** Stable codes of every error this package throws, one per failure kind. */
export type RepoErrorCode =
  | 'REPO_QUERY_TIMEOUT'
  | 'REPO_OUTCOME_UNKNOWN'
  | 'REPO_LOCK_TIMEOUT'
  | 'REPO_CIRCUIT_OPEN'
  | 'REPO_BULKHEAD_FULL'
  | 'REPO_INVALID_QUERY'
  | 'REPO_NOT_FOUND'
  | 'REPO_UNAVAILABLE'
  | 'REPO_CONSTRAINT'
  | 'REPO_STATEMENT_FAILED';

/** Base class of every error this package throws: `code` says which failure it is. */
export class RepoError extends Error {
  readonly code: RepoErrorCode;

  constructor(code: RepoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The statement was stopped at its deadline (cancelled on the server, or never sent): nothing was written. */
export class QueryTimeoutError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_QUERY_TIMEOUT', message, options);
  }
}

/** A write's connection was lost after the statement was sent: it may or may not have been applied. */
export class OutcomeUnknownError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_OUTCOME_UNKNOWN', message, options);
  }
}

/** A row lock could not be taken within the lock timeout (or at once, with `nowait`). */
export class LockTimeoutError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_LOCK_TIMEOUT', message, options);
  }
}

/** The endpoint's circuit breaker is open: the call failed at once without touching the database. */
export class CircuitOpenError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_CIRCUIT_OPEN', message, options);
  }
}

/** Too many calls are already running or queued on the endpoint (bulkhead). */
export class BulkheadFullError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_BULKHEAD_FULL', message, options);
  }
}

/** A filter, order, field or value that the entity does not accept, or a malformed query option. */
export class InvalidQueryError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_INVALID_QUERY', message, options);
  }
}

/** No row with that id. */
export class NotFoundError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_NOT_FOUND', message, options);
  }
}

/** The database could not be reached, or the connection failed (refused, reset, stalled, timed out). */
export class DatabaseUnavailableError extends RepoError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPO_UNAVAILABLE', message, options);
  }
}

/** The row breaks a constraint (unique, foreign key, not null, check); `constraint` names it when known. */
export class ConstraintViolationError extends RepoError {
  readonly constraint: string | undefined;

  constructor(message: string, constraint: string | undefined, options?: ErrorOptions) {
    super('REPO_CONSTRAINT', message, options);
    this.constraint = constraint;
  }
}

/** The server refused the statement for another reason; `sqlState` is its SQLSTATE (or SQLite code). */
export class StatementFailedError extends RepoError {
  readonly sqlState: string | undefined;

  constructor(message: string, sqlState: string | undefined, options?: ErrorOptions) {
    super('REPO_STATEMENT_FAILED', message, options);
    this.sqlState = sqlState;
  }
}
