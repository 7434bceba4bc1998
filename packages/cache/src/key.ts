import { InvalidKeyError, InvalidValueError } from './errors';

/** Longest key accepted, in UTF-16 code units checked cheaply then in bytes. */
export const MAX_KEY_BYTES = 1024;

/** Throws `InvalidKeyError` unless `key` is a non-empty string of at most 1 KiB (UTF-8). */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`cache keys must be strings, got ${typeof key}`);
  if (key.length === 0) throw new InvalidKeyError('cache keys must not be empty');
  // A string of ≤ 341 code units is ≤ 1,023 UTF-8 bytes: only longer keys need the byte count.
  if (key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`cache key is ${Buffer.byteLength(key)} bytes; the limit is ${MAX_KEY_BYTES} bytes`);
  }
}

/** Throws `InvalidValueError` for `undefined`, which the cache uses to mean "absent". */
export function assertValue(value: unknown, key: string): void {
  if (value === undefined) {
    throw new InvalidValueError(`cannot cache undefined for key "${key}"; store null to cache absence`);
  }
}
