/** Stable codes of every error this package throws, one per failure kind. */
export type MonitorErrorCode = 'MONITOR_INVALID_OPTIONS' | 'MONITOR_CHECK_TIMEOUT' | 'MONITOR_QUERY_FAILED';

/** Base class of every error this package throws: `code` says which failure it is. */
export class MonitorError extends Error {
  readonly code: MonitorErrorCode;

  constructor(code: MonitorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Options that are malformed (the message names the field). */
export class InvalidOptionsError extends MonitorError {
  constructor(message: string) {
    super('MONITOR_INVALID_OPTIONS', message);
  }
}

/** A health check or insight query did not answer within its deadline. */
export class CheckTimeoutError extends MonitorError {
  constructor(name: string, timeoutMs: number) {
    super('MONITOR_CHECK_TIMEOUT', `${name} did not answer within ${timeoutMs} ms`);
  }
}

/** An insight query failed (lock or statement timeout, missing permission, server gone); `check` names it. */
export class QueryFailedError extends MonitorError {
  constructor(
    readonly check: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super('MONITOR_QUERY_FAILED', `${check}: ${message}`, options);
  }
}
