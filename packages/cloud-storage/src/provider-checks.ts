import { InvalidOptionsError, ObjectNotFoundError } from './errors';
import type { GetOptions, SignedUrlOptions } from './provider';

/** Throws `InvalidOptionsError` for a malformed range, or `verify` asked together with a range. */
export function assertGetOptions(options: GetOptions): void {
  const range = options.range;
  if (!range) return;
  if (!(Number.isInteger(range.start) && range.start >= 0 && (range.end === undefined || (Number.isInteger(range.end) && range.end >= range.start)))) {
    throw new InvalidOptionsError(`bad range ${JSON.stringify(range)}: expected integers 0 ≤ start ≤ end`);
  }
  if (options.verify) throw new InvalidOptionsError('verify needs the whole object; it cannot be combined with a range');
}

/** Throws `InvalidOptionsError` unless a signed URL's expiry is 1 s to 7 days (S3's and Azure's limit). */
export function assertSignedUrlOptions(options: SignedUrlOptions): void {
  if (!(options.expiresInSeconds > 0 && options.expiresInSeconds <= 604_800)) throw new InvalidOptionsError('expiresInSeconds must be 1..604800 (7 days)');
}

/** `exists` in terms of `stat`: true when it resolves, false on `ObjectNotFoundError`. */
export function existsFromStat(stat: Promise<unknown>): Promise<boolean> {
  return stat.then(
    () => true,
    (error: unknown) => {
      if (error instanceof ObjectNotFoundError) return false;
      throw error;
    },
  );
}
