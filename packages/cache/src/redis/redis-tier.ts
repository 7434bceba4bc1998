import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { assertKey, assertValue } from '../key';
import type { L2Health, L2SetOptions, L2Stats, L2Tier } from '../l2-tier';
import { jsonSerializer, type Serializer } from '../serializer';
import type { BreakerState } from '../tier-stats';
import { DEFAULT_TTL_TIERS, resolveTtl, type TtlTier } from '../ttl';
import { decodeValue, encodeValue } from './codec';
import { RedisConnection, type RedisSource } from './connection';
import { Resilience, type ResilienceOptions } from './resilience';

/** Options of the Redis tier. */
export type RedisTierOptions = RedisSource &
  ResilienceOptions & {
    /** First part of every key (default `core`). Keys are `prefix:namespace:key`. */
    prefix?: string;
    /** Namespace inside the prefix (default none: `prefix:key`). */
    namespace?: string;
    /** Value serializer (default: JSON with Date, Map, Set, BigInt, Buffer). */
    serializer?: Serializer;
    /** Values whose serialized form reaches this many bytes are deflated (default 1,024). */
    compressThreshold?: number;
    /** Default TTL in ms (default 60,000). */
    ttl?: number;
    /** Named TTL tiers (default hot / warm / cold). */
    ttlTiers?: Record<string, TtlTier>;
  };

/** Events of the Redis tier. */
export interface RedisTierEvents {
  error: [Error];
  breaker: [BreakerState];
}

interface Shared {
  connection: RedisConnection;
  resilience: Resilience;
  emitter: EventEmitter<RedisTierEvents>;
  counters: { hits: number; misses: number };
  serializer: Serializer;
  compressThreshold: number;
  ttl: number;
  ttlTiers: Record<string, TtlTier>;
  prefix: string;
}

/** Hands a namespace view its shared state (see the same pattern in `Cache`). */
let pendingView: { shared: Shared; namespace: string } | undefined;

/**
 * The shared tier on node-redis: namespaced keys, pluggable serializer, compression, TTL tiers,
 * batch calls in one round trip, SCAN + UNLINK prefix deletes, locks; every call under a timeout
 * and circuit breaker so a dead or silent Redis costs at most the timeout, then nothing.
 */
export class RedisTier implements L2Tier {
  readonly #shared: Shared;
  readonly #base: string;

  constructor(options: RedisTierOptions) {
    const view = pendingView;
    pendingView = undefined;
    if (view) {
      this.#shared = view.shared;
      this.#base = `${view.shared.prefix}:${view.namespace}:`;
      return;
    }
    const emitter = new EventEmitter<RedisTierEvents>();
    const onError = (error: Error) => {
      if (emitter.listenerCount('error') > 0) emitter.emit('error', error);
    };
    const prefix = options.prefix ?? 'core';
    if (prefix.length === 0 || prefix.includes('*')) throw new RangeError('prefix must be non-empty and contain no "*"');
    this.#shared = {
      connection: new RedisConnection(options, onError),
      resilience: new Resilience(options, (state) => emitter.emit('breaker', state)),
      emitter,
      counters: { hits: 0, misses: 0 },
      serializer: options.serializer ?? jsonSerializer,
      compressThreshold: options.compressThreshold ?? 1024,
      ttl: options.ttl ?? 60_000,
      ttlTiers: options.ttlTiers ?? { ...DEFAULT_TTL_TIERS },
      prefix,
    };
    this.#base = options.namespace === undefined ? `${prefix}:` : `${prefix}:${options.namespace}:`;
  }

  /** A view of the same connection under `prefix:name:`. */
  namespace(name: string): RedisTier {
    assertKey(name);
    pendingView = { shared: this.#shared, namespace: name };
    return new RedisTier({ url: '' });
  }

  /** Subscribes to `error` (connection errors) or `breaker` (state changes). */
  on<E extends keyof RedisTierEvents>(event: E, listener: (...args: RedisTierEvents[E]) => void): this {
    this.#shared.emitter.on(event, listener as never);
    return this;
  }

  /** The full Redis key for a cache key. */
  keyFor(key: string): string {
    assertKey(key);
    return this.#base + key;
  }

  /** The shared connection (for the bus). */
  get connection(): RedisConnection {
    return this.#shared.connection;
  }

  /** The key prefix shared by every namespace (for the bus channel). */
  get prefix(): string {
    return this.#shared.prefix;
  }

  get<T>(key: string): Promise<T | undefined> {
    let full: string;
    try {
      full = this.keyFor(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run('GET', () => this.#shared.connection.get(full), (stored) => this.#decode<T>(stored));
  }

  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    const full = keys.map((k) => this.keyFor(k));
    const stored = await this.#run('MGET', () => this.#shared.connection.getMany(full));
    return Promise.all(stored.map((s) => this.#decode<T>(s)));
  }

  async set(key: string, value: unknown, options: L2SetOptions = {}): Promise<void> {
    const full = this.keyFor(key);
    assertValue(value, key);
    const ttl = this.#ttl(options);
    const encoded = await this.#encode(value);
    await this.#run('SET', () => this.#shared.connection.set(full, encoded, ttl));
  }

  async setMany(items: Array<{ key: string; value: unknown } & L2SetOptions>): Promise<void> {
    // Validate and encode everything first: bad input writes nothing.
    const prepared = await Promise.all(
      items.map(async (item) => {
        const key = this.keyFor(item.key);
        assertValue(item.value, item.key);
        return { key, ttlMs: this.#ttl(item), value: await this.#encode(item.value) };
      }),
    );
    await this.#run('MULTI SET', () => this.#shared.connection.setMany(prepared));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.deleteMany([key])) > 0;
  }

  async deleteMany(keys: string[]): Promise<number> {
    const full = keys.map((k) => this.keyFor(k));
    return this.#run('UNLINK', () => this.#shared.connection.unlink(full));
  }

  /** Deletes every key of this namespace starting with `prefix`, with SCAN + UNLINK. */
  async deleteByPrefix(prefix: string): Promise<number> {
    const match = this.#base + escapeGlob(prefix) + '*';
    const connection = this.#shared.connection;
    let removed = 0;
    // Each page and each UNLINK runs under its own deadline: a long scan is fine, a stuck one is not.
    for (const target of await this.#run('SCAN', () => connection.scanTargets())) {
      let cursor = '0';
      do {
        const page = await this.#run('SCAN', () => target.page(cursor, match));
        if (page.keys.length > 0) removed += await this.#run('UNLINK', () => connection.unlink(page.keys));
        cursor = page.cursor;
      } while (cursor !== '0');
    }
    return removed;
  }

  /** Deletes every key of this namespace. */
  async clear(): Promise<number> {
    return this.deleteByPrefix('');
  }

  async tryLock(key: string, ttlMs: number): Promise<string | undefined> {
    const full = this.keyFor(`${key}:lock`);
    const token = randomUUID();
    return (await this.#run('SET NX', () => this.#shared.connection.setIfAbsent(full, token, ttlMs))) ? token : undefined;
  }

  async unlock(key: string, token: string): Promise<void> {
    const full = this.keyFor(`${key}:lock`);
    await this.#run('EVAL unlock', () => this.#shared.connection.deleteIfEquals(full, token));
  }

  async health(): Promise<L2Health> {
    try {
      await this.#run('PING', () => this.#shared.connection.ping());
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  stats(): L2Stats {
    const { resilience, counters } = this.#shared;
    return {
      hits: counters.hits,
      misses: counters.misses,
      errors: resilience.failures,
      timeouts: resilience.timeouts,
      rejected: resilience.rejected,
      breaker: resilience.state,
    };
  }

  /** Closes connections this tier opened (a caller's client is left open). */
  async close(): Promise<void> {
    this.#shared.connection.close();
  }

  #ttl(options: L2SetOptions): number {
    return resolveTtl(options.ttl, options.tier, this.#shared.ttlTiers, this.#shared.ttl);
  }

  async #encode(value: unknown): Promise<string> {
    return encodeValue(value, this.#shared.serializer, this.#shared.compressThreshold);
  }

  /** Decodes a stored value; synchronous unless it has to be inflated. */
  #decode<T>(stored: string | null): T | undefined | Promise<T> {
    if (stored === null) {
      this.#shared.counters.misses++;
      return undefined;
    }
    this.#shared.counters.hits++;
    return decodeValue(stored, this.#shared.serializer) as T | Promise<T>;
  }

  #run<T, R = T>(operation: string, fn: () => Promise<T>, map?: (reply: T) => R | Promise<R>): Promise<R> {
    const { resilience, connection } = this.#shared;
    return resilience.run(
      operation,
      (expired) => {
        const waiting = connection.ready(expired);
        return waiting ? waiting.then(fn) : fn();
      },
      map,
    );
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Creates a Redis tier from a URL (owned connection) or a caller's node-redis client or cluster. */
export function redisTier(options: RedisTierOptions): RedisTier {
  return new RedisTier(options);
}
