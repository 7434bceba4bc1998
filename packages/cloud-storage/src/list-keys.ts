import type { ListOptions } from './provider';

/**
 * Lists sorted keys the way S3 does: prefix filter, common prefixes for a delimiter, pages of
 * `pageSize` entries, and a cursor (the last key or prefix returned) that resumes after it.
 */
export function listFromKeys(sorted: string[], options: ListOptions): { keys: string[]; prefixes: string[]; cursor: string | undefined } {
  const prefix = options.prefix ?? '';
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const keys: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  for (const key of sorted) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
    const entry = cut >= 0 ? prefix + rest.slice(0, cut + options.delimiter!.length) : key;
    if (options.cursor !== undefined && entry <= options.cursor) continue;
    if (entry === last) continue; // another key under the same common prefix
    if (keys.length + prefixes.length === pageSize) return { keys, prefixes, cursor: last };
    (cut >= 0 ? prefixes : keys).push(entry);
    last = entry;
  }
  return { keys, prefixes, cursor: undefined };
}
