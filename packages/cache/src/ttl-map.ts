import { MemoryTier, type MemoryTierOptions } from './memory-tier';

/**
 * A `Map`-like view with a TTL per entry (the seed's TTLDict), backed by a `MemoryTier`:
 * `get/set/has/delete/clear/size` and iteration over live entries.
 */
export class TtlMap<V> implements Iterable<[string, V]> {
  readonly #tier: MemoryTier<V>;

  constructor(options: MemoryTierOptions | MemoryTier<V> = {}) {
    this.#tier = options instanceof MemoryTier ? options : new MemoryTier<V>(options);
  }

  /** The value, or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    return this.#tier.get(key);
  }

  /** Sets a value with the default TTL or `ttl` ms; returns the map, like `Map#set`. */
  set(key: string, value: V, ttl?: number): this {
    this.#tier.set(key, value, ttl === undefined ? {} : { ttl });
    return this;
  }

  /** True when a live value exists. */
  has(key: string): boolean {
    return this.#tier.has(key);
  }

  /** Removes a key; true if it was present. */
  delete(key: string): boolean {
    return this.#tier.delete(key);
  }

  /** Removes everything. */
  clear(): void {
    this.#tier.clear();
  }

  /** Number of live entries (expired ones are purged while counting). */
  get size(): number {
    let count = 0;
    for (const _ of this.keys()) count++;
    return count;
  }

  /** Live keys. */
  *keys(): IterableIterator<string> {
    for (const [key] of this) yield key;
  }

  /** Live values. */
  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }

  /** Live entries. */
  *entries(): IterableIterator<[string, V]> {
    yield* this;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    const now = Date.now();
    for (const key of [...this.#tier.keys()]) {
      const record = this.#tier.peekRecord(key);
      if (record !== undefined && record.expiresAt > now) yield [key, record.value];
    }
  }
}
