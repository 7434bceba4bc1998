import { EventEmitter } from 'node:events';
import type { Cache } from './cache/cache';

/**
 * A Keyv storage adapter over a `Cache`, so the cache can back `new Keyv({ store })` and, through
 * Keyv, cache-manager v6+. Keyv sets `namespace` and prefixes keys itself; `clear()` removes that
 * namespace only.
 */
export class KeyvCacheStore extends EventEmitter {
  /** Set by Keyv. */
  namespace: string | undefined;
  /** Keyv reads adapter options from here. */
  readonly opts: Record<string, unknown> = { dialect: 'core-cache' };

  constructor(private readonly cache: Cache) {
    super();
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.cache.get<T>(key);
  }

  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    return this.cache.getMany<T>(keys);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    // Keyv passes no TTL for "forever"; Keyv also checks expiry itself on read.
    await this.cache.set(key, value, { ttl: typeof ttl === 'number' && ttl > 0 ? ttl : 0 });
    return true;
  }

  async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    await this.cache.setMany(entries.map((e) => ({ key: e.key, value: e.value, ttl: typeof e.ttl === 'number' && e.ttl > 0 ? e.ttl : 0 })));
  }

  async delete(key: string): Promise<boolean> {
    const existed = await this.cache.has(key);
    await this.cache.delete(key);
    return existed;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const existed = await this.cache.getMany(keys);
    await this.cache.deleteMany(keys);
    return existed.some((v) => v !== undefined);
  }

  async has(key: string): Promise<boolean> {
    return this.cache.has(key);
  }

  async clear(): Promise<void> {
    await this.cache.clear(this.namespace);
  }

  async disconnect(): Promise<void> {
    await this.cache.close();
  }
}

/** Wraps a cache as a Keyv store: `new Keyv({ store: keyvStore(cache) })`. */
export function keyvStore(cache: Cache): KeyvCacheStore {
  return new KeyvCacheStore(cache);
}
