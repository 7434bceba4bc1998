import { InvalidKeyError } from './errors';

/** Longest key accepted, in UTF-8 bytes (S3's limit). */
export const MAX_KEY_BYTES = 1024;

/**
 * Throws `InvalidKeyError` unless `key` is a safe object key: a non-empty string of at most 1,024
 * UTF-8 bytes, relative (no leading `/`), with no `.` or `..` segment, no empty segment, no backslash,
 * and no NUL or other control character.
 */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('object keys must be non-empty strings');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidKeyError(`object key is ${Buffer.byteLength(key)} bytes; the limit is ${MAX_KEY_BYTES}`);
   
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidKeyError('object keys must not contain NUL or control characters');
  if (key.includes('\\')) throw new InvalidKeyError('object keys must not contain backslashes (use "/")');
  if (key.startsWith('/')) throw new InvalidKeyError('object keys must be relative (no leading "/")');
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') throw new InvalidKeyError(`object keys must not contain "${segment}" segments`);
  }
  if (key.split('/').slice(0, -1).some((s) => s === '')) throw new InvalidKeyError('object keys must not contain empty segments ("//")');
  if (key.endsWith('/')) throw new InvalidKeyError('object keys must not end with "/"');
}

/** Throws `InvalidKeyError` unless `prefix` is safe to list under (empty is fine). */
export function assertPrefix(prefix: string): void {
  if (prefix === '') return;
  assertKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}

/** A provider's key prefix as a folder: empty, or ending with `/` (so `tenant-a` never sees `tenant-ab/`). */
export function folderPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  assertPrefix(folder);
  return folder;
}
