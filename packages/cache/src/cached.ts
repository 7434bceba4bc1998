import type { Cache, GetOrSetOptions } from './cache/cache';

/** How a cached function names its cache entry and tags for given arguments. */
export interface CachedOptions<A extends unknown[]> extends Omit<GetOrSetOptions, 'tags'> {
  /** The cache key for a call (must be unique per distinct result). */
  key: (...args: A) => string;
  /** Tags for the entry, fixed or per call. */
  tags?: string[] | ((...args: A) => string[]);
}

/**
 * Query-result caching without decorators: wraps `fn` so that calls with the same key share one
 * cached result (stampede-safe through `getOrSet`).
 */
export function cached<A extends unknown[], R>(
  cache: Cache,
  fn: (...args: A) => Promise<R>,
  options: CachedOptions<A>,
): (...args: A) => Promise<R> {
  const { key, tags, ...rest } = options;
  return (...args: A) =>
    cache.getOrSet(key(...args), () => fn(...args), {
      ...rest,
      ...(tags ? { tags: typeof tags === 'function' ? tags(...args) : tags } : {}),
    });
}

/**
 * Wraps a write so that, once it succeeds, every cached result carrying the given tags is invalidated.
 * A failed write invalidates nothing and rethrows.
 */
export function invalidates<A extends unknown[], R>(
  cache: Cache,
  fn: (...args: A) => Promise<R>,
  tags: string[] | ((...args: A) => string[]),
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const result = await fn(...args);
    await cache.deleteByTag(typeof tags === 'function' ? tags(...args) : tags);
    return result;
  };
}
