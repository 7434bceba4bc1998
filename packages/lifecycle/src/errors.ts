/** Stable codes of every error this package throws, one per failure kind. */
export type LifecycleErrorCode =
  | 'LIFECYCLE_INVALID_POLICY'
  | 'LIFECYCLE_UNKNOWN_IDENTIFIER'
  | 'LIFECYCLE_NO_INDEX'
  | 'LIFECYCLE_UNAVAILABLE'
  | 'LIFECYCLE_LOCK_TIMEOUT'
  | 'LIFECYCLE_BUSY'
  | 'LIFECYCLE_ARCHIVE_MISMATCH'
  | 'LIFECYCLE_CONCURRENT_CHANGE'
  | 'LIFECYCLE_ABORTED'
  | 'LIFECYCLE_UNSUPPORTED';

/** Base class of every error this package throws: `code` says which failure it is. */
export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;

  constructor(code: LifecycleErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A policy is malformed; `problems` lists each one with the path of its field (`policies[1].olderThan`). */
export class InvalidPolicyError extends LifecycleError {
  constructor(readonly problems: Array<{ path: string; message: string }>) {
    super('LIFECYCLE_INVALID_POLICY', `invalid lifecycle policy:\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
  }
}

/** A table or column named by a policy does not exist in the database catalog (nothing ran). */
export class UnknownIdentifierError extends LifecycleError {
  constructor(
    readonly policy: string,
    readonly identifier: string,
    detail: string,
  ) {
    super('LIFECYCLE_UNKNOWN_IDENTIFIER', `policy "${policy}": ${detail}; check the name against the database (nothing was run)`);
  }
}

/** No index covers the retention predicate: every batch would scan the table (`fix` holds the SQL that adds one). */
export class NoIndexError extends LifecycleError {
  constructor(
    readonly policy: string,
    readonly fix: string,
  ) {
    super('LIFECYCLE_NO_INDEX', `policy "${policy}": no index starts with the age column, so every batch would scan the table; create one first (${fix}) or set requireIndex: false`);
  }
}

/** The database or the archive store could not be reached (refused, reset, stalled, timed out). */
export class LifecycleUnavailableError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super('LIFECYCLE_UNAVAILABLE', message, options);
  }
}

/** A batch kept meeting lock timeouts after backing off; the rows it reached are untouched. */
export class LockTimeoutError extends LifecycleError {
  constructor(policy: string, attempts: number, options?: ErrorOptions) {
    super('LIFECYCLE_LOCK_TIMEOUT', `policy "${policy}": a batch met the lock timeout ${attempts} times in a row; another transaction holds locks on the table — the run stopped and resumes from its ledger`, options);
  }
}

/** Another runner holds the policy's lease (it heartbeats); run again after it ends or its lease expires. */
export class PolicyBusyError extends LifecycleError {
  constructor(policy: string, owner: string) {
    super('LIFECYCLE_BUSY', `policy "${policy}" is being run by ${owner}; wait for it to finish or for its lease to expire`);
  }
}

/** An archive read back did not match what was written (row count or SHA-256); nothing was deleted for it. */
export class ArchiveMismatchError extends LifecycleError {
  constructor(key: string, detail: string) {
    super('LIFECYCLE_ARCHIVE_MISMATCH', `archive ${key} does not match what was written (${detail}); its rows were not deleted`);
  }
}

/** Rows kept changing between archive and delete; the batch was rolled back each time. */
export class ConcurrentChangeError extends LifecycleError {
  constructor(policy: string, attempts: number) {
    super('LIFECYCLE_CONCURRENT_CHANGE', `policy "${policy}": rows of a batch changed between archive and delete ${attempts} times; nothing of that batch was deleted`);
  }
}

/** The run was cancelled through its AbortSignal; the ledger records it as interrupted and the next run resumes it. */
export class LifecycleAbortedError extends LifecycleError {
  constructor(policy: string) {
    super('LIFECYCLE_ABORTED', `policy "${policy}" was cancelled; the next run resumes from the ledger`);
  }
}

/** The database or store cannot do what the policy asks (partitions on SQLite, storage classes on local disk). */
export class UnsupportedError extends LifecycleError {
  constructor(message: string) {
    super('LIFECYCLE_UNSUPPORTED', message);
  }
}
