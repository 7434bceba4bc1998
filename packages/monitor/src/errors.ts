/** Stable codes of every error this package throws, one per failure kind. */
export type MonitorErrorCode = 'MONITOR_INVALID_OPTIONS' | 'MONITOR_INVALID_RULES' | 'MONITOR_CHECK_TIMEOUT' | 'MONITOR_QUERY_FAILED';

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

/** Alert rules that are malformed: every problem with its path (`groups[0].rules[2].expr`). */
export class InvalidRulesError extends MonitorError {
  constructor(readonly problems: Array<{ path: string; message: string }>) {
    super('MONITOR_INVALID_RULES', `invalid alert rules: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
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
