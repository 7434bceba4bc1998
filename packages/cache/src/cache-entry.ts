import { preciseNow } from './clock';

/** A cached value as both tiers hold it. Times are epoch ms. */
export interface StoredEntry<T = unknown> {
  /** The value. */
  v: T;
  /** Created at. */
  c: number;
  /** Fresh until. */
  e: number;
  /** Servable as stale (grace) until. */
  g: number;
  /** Tags. */
  t?: string[];
}

/** Builds an entry for a value written now. `ttl: 0` means no expiry. */
export function createEntry<T>(value: T, ttl: number, grace: number, tags: string[] | undefined): StoredEntry<T> {
  const now = preciseNow();
  const e = ttl === 0 ? Number.MAX_SAFE_INTEGER : now + ttl;
  const entry: StoredEntry<T> = { v: value, c: now, e, g: ttl === 0 ? e : e + grace };
  if (tags && tags.length > 0) entry.t = tags;
  return entry;
}

/** True while the entry is fresh. */
export function isFresh(entry: StoredEntry, now = Date.now()): boolean {
  return entry.e > now;
}

/** True while the entry may still be served as stale. */
export function isServable(entry: StoredEntry, now = Date.now()): boolean {
  return entry.g > now;
}

/** Milliseconds the entry stays in a tier: until the end of its grace period. */
export function physicalTtl(entry: StoredEntry, now = Date.now()): number {
  return entry.g >= Number.MAX_SAFE_INTEGER ? 0 : Math.max(1, entry.g - now);
}
