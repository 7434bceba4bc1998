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
