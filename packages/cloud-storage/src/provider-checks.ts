import { InvalidOptionsError, ObjectNotFoundError } from './errors';
import type { GetOptions } from './provider';

/** Throws `InvalidOptionsError` for a malformed range, or `verify` asked together with a range. */
export function assertGetOptions(options: GetOptions): void {
  const range = options.range;
  if (!range) return;
  if (!(Number.isInteger(range.start) && range.start >= 0 && (range.end === undefined || (Number.isInteger(range.end) && range.end >= range.start)))) {
    throw new InvalidOptionsError(`bad range ${JSON.stringify(range)}: expected integers 0 ≤ start ≤ end`);
  }
  if (options.verify) throw new InvalidOptionsError('verify needs the whole object; it cannot be combined with a range');
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
