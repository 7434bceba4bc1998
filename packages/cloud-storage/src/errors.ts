/** Base class of every error @core/cloud-storage throws; `code` is stable across versions. */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An object key that is unsafe or malformed. */
export class InvalidKeyError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_KEY', message);
  }
}

/** The object does not exist. */
export class ObjectNotFoundError extends StorageError {
  constructor(readonly key: string) {
    super('STORAGE_NOT_FOUND', `no object at key "${key}"`);
  }
}

/** A feature the provider does not have was asked for: never dropped silently. */
export class UnsupportedFeatureError extends StorageError {
  constructor(provider: string, feature: string) {
    super('STORAGE_UNSUPPORTED', `the ${provider} provider does not support ${feature}; check capabilities() first`);
  }
}

/** Stored bytes do not match their checksum, or an encrypted object cannot be authenticated. */
export class IntegrityError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_INTEGRITY', message, options);
  }
}

/** Options that cannot be honoured together or are malformed (bad range, missing key for encryption). */
export class InvalidOptionsError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_OPTIONS', message);
  }
}

/** The store could not be reached or stopped answering: refused, reset, stalled past the deadline, 5xx after retries. */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_UNAVAILABLE', message, options);
  }
}

/** The store refused the request for another reason (access denied, bad request); `status` is its HTTP status. */
export class StorageRequestError extends StorageError {
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super('STORAGE_REQUEST_FAILED', message, options);
  }
}

/** The caller's `signal` aborted the operation. */
export class StorageAbortedError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_ABORTED', message, options);
  }
}

/** `delete` of several keys: the store refused some of them (`failed` lists key and reason). */
export class PartialDeleteError extends StorageError {
  constructor(
    readonly failed: Array<{ key: string; reason: string }>,
    readonly deleted: number,
  ) {
    super('STORAGE_PARTIAL_DELETE', `${failed.length} key(s) could not be deleted (first: "${failed[0]?.key}": ${failed[0]?.reason}); ${deleted} were`);
  }
}
