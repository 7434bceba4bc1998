/** Base class of every error this package throws on purpose. */
export class RepoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The query ran past its deadline; it was cancelled on the server and its connection released. */
export class QueryTimeoutError extends RepoError {}

/** A row lock could not be taken within the lock timeout (or at once, with `nowait`). */
export class LockTimeoutError extends RepoError {}

/** The endpoint's circuit breaker is open: the call failed at once without touching the database. */
export class CircuitOpenError extends RepoError {}

/** Too many calls are already running or queued on the endpoint (bulkhead). */
export class BulkheadFullError extends RepoError {}

/** A filter, order or field that the entity does not have, or a malformed query option. */
export class InvalidQueryError extends RepoError {}

/** No row with that id. */
export class NotFoundError extends RepoError {}

/** The database could not be reached or failed below the query level. */
export class DatabaseUnavailableError extends RepoError {}
