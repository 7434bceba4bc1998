/** Base class of every error @core/cache throws; `code` is stable across versions. */
export class CacheError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A key that is empty, not a string, or longer than the limit. */
export class InvalidKeyError extends CacheError {
  constructor(message: string) {
    super('CACHE_INVALID_KEY', message);
  }
}

/** A value the cache cannot hold (`undefined`). */
export class InvalidValueError extends CacheError {
  constructor(message: string) {
    super('CACHE_INVALID_VALUE', message);
  }
}

/** A TTL or duration that is negative, NaN, infinite, or outside its named tier. */
export class InvalidTtlError extends CacheError {
  constructor(message: string) {
    super('CACHE_INVALID_TTL', message);
  }
}

/** A value the serializer cannot round-trip (functions, symbols, class instances, cycles). */
export class SerializationError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_SERIALIZATION', message, options);
  }
}

/** The factory of `getOrSet` ran past its hard timeout and no stale value could be served. */
export class FactoryTimeoutError extends CacheError {
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super('CACHE_FACTORY_TIMEOUT', `factory for key "${key}" did not finish within ${timeoutMs} ms (hard timeout)`);
  }
}

/** The second tier could not answer (timeout, connection error, open circuit). */
export class L2UnavailableError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_L2_UNAVAILABLE', message, options);
  }
}

/** Write-behind could not deliver queued writes to its sink, even after retries. */
export class WriteBehindError extends CacheError {
  constructor(
    readonly pending: number,
    options?: { cause?: unknown },
  ) {
    super('CACHE_WRITE_BEHIND_FAILED', `write-behind sink failed; ${pending} write(s) are still queued`, options);
  }
}

/** The write-behind queue holds `maxPending` writes already: this one was refused, nothing was written. */
export class WriteBehindFullError extends CacheError {
  constructor(readonly maxPending: number) {
    super('CACHE_WRITE_BEHIND_FULL', `write-behind queue is full (${maxPending} writes waiting for the sink); slow down or raise maxPending`);
  }
}

/** A method that needs an option the cache was created without (`writeBehind` without a sink). */
export class CacheNotConfiguredError extends CacheError {
  constructor(message: string) {
    super('CACHE_NOT_CONFIGURED', message);
  }
}
