import { LRUCache } from 'lru-cache';
import { assertKey, assertValue } from './key';
import { estimateSize } from './size-estimate';
import { assertDuration } from './ttl';

/** Options of the in-process tier. Per-call options override these. */
export interface MemoryTierOptions {
  /** Maximum number of entries (default 10,000). */
  max?: number;
  /** Maximum total estimated size in bytes (default: unbounded, but still measured for stats). */
  maxBytes?: number;
  /** Default TTL in ms (default 60,000; 0 keeps entries until evicted). */
  ttl?: number;
  /** How long after expiry a value stays available to `getStale` (default 0). */
  grace?: number;
  /** Size estimate used with `maxBytes` (default: `estimateSize`). */
  sizeOf?: (value: unknown, key: string) => number;
}

/** Per-call write options. */
export interface MemorySetOptions {
  /** TTL in ms for this entry. */
  ttl?: number;
  /** Grace in ms for this entry. */
  grace?: number;
}

/** Counters of the memory tier. */
export interface MemoryTierStats {
  hits: number;
  misses: number;
  staleHits: number;
  evictions: number;
  entries: number;
  bytes: number;
  /** hits / (hits + misses), 0 when nothing was read. */
  hitRate: number;
}

/** A stored record: the value with its logical expiry and the end of its grace period (epoch ms). */
export interface MemoryRecord<V> {
  value: V;
  expiresAt: number;
  staleUntil: number;
}

/**
 * The in-process tier on lru-cache: bounded by count and bytes, TTL per entry, optional grace
 * (stale values kept for `getStale`), counters, and `evictFraction` for the memory-pressure guard.
 */
export class MemoryTier<V = unknown> {
  readonly #lru: LRUCache<string, MemoryRecord<V>>;
  readonly #ttl: number;
  readonly #grace: number;
  #hits = 0;
  #misses = 0;
  #staleHits = 0;
  #evictions = 0;

  constructor(options: MemoryTierOptions = {}) {
    const max = options.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    this.#ttl = options.ttl ?? 60_000;
    this.#grace = options.grace ?? 0;
    assertDuration(this.#ttl, 'ttl');
    assertDuration(this.#grace, 'grace');
    const sizeOf = options.sizeOf ?? estimateSize;
    if (options.maxBytes !== undefined && (!Number.isInteger(options.maxBytes) || options.maxBytes < 1)) {
      throw new RangeError(`maxBytes must be a positive integer, got ${options.maxBytes}`);
    }
    this.#lru = new LRUCache<string, MemoryRecord<V>>({
      max,
      // Sizes are tracked even without a byte bound, so `stats().bytes` is always meaningful.
      maxSize: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      sizeCalculation: (record, key) => Math.max(1, sizeOf(record.value, key)),
      ttlAutopurge: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  /** The fresh value, or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    const record = this.#lru.get(key);
    // Without grace the LRU's own TTL is the logical expiry: no clock read on the hot path. A hit
    // proves the key valid (set checked it), so keys are checked on the miss path only.
    if (record !== undefined && (record.staleUntil === record.expiresAt || record.expiresAt > Date.now())) {
      this.#hits++;
      return record.value;
    }
    assertKey(key);
    this.#misses++;
    return undefined;
  }

  /** The value even if expired, as long as it is within its grace period; counts a stale hit. */
  getStale(key: string): V | undefined {
    const record = this.getRecord(key);
    if (record === undefined) return undefined;
    if (record.expiresAt <= Date.now()) this.#staleHits++;
    return record.value;
  }

  /** The stored record (fresh or within grace) without touching the counters. */
  getRecord(key: string): MemoryRecord<V> | undefined {
    assertKey(key);
    return this.#lru.get(key);
  }

  /** Like `getRecord` but leaves the key's recency alone. */
  peekRecord(key: string): MemoryRecord<V> | undefined {
    return this.#lru.peek(key);
  }

  /** Stores a value; `ttl: 0` keeps it until evicted. */
  set(key: string, value: V, options: MemorySetOptions = {}): void {
    assertKey(key);
    assertValue(value, key);
    const ttl = options.ttl ?? this.#ttl;
    const grace = options.grace ?? this.#grace;
    assertDuration(ttl, 'ttl');
    assertDuration(grace, 'grace');
    const now = Date.now();
    const expiresAt = ttl === 0 ? Number.POSITIVE_INFINITY : now + ttl;
    this.setRecord(key, { value, expiresAt, staleUntil: ttl === 0 ? expiresAt : expiresAt + grace });
  }

  /** Stores a record as is (used by tiers that carry their own expiry). */
  setRecord(key: string, record: MemoryRecord<V>): void {
    const life = record.staleUntil - Date.now();
    if (life <= 0 && Number.isFinite(record.staleUntil)) {
      this.#lru.delete(key);
      return;
    }
    this.#lru.set(key, record, { ttl: Number.isFinite(life) ? Math.ceil(life) : 0 });
  }

  /** True when a fresh value exists (does not count as a read). */
  has(key: string): boolean {
    assertKey(key);
    const record = this.#lru.peek(key);
    return record !== undefined && record.expiresAt > Date.now();
  }

  /** Removes a key; true if it was present. */
  delete(key: string): boolean {
    assertKey(key);
    return this.#lru.delete(key);
  }

  /** Removes every key starting with `prefix` (all keys when omitted); returns how many. */
  clear(prefix?: string): number {
    if (prefix === undefined) {
      const size = this.#lru.size;
      this.#lru.clear();
      return size;
    }
    let removed = 0;
    for (const key of [...this.#lru.keys()]) {
      if (key.startsWith(prefix) && this.#lru.delete(key)) removed++;
    }
    return removed;
  }

  /** Keys currently held (fresh or in grace), most recently used first. */
  keys(): IterableIterator<string> {
    return this.#lru.keys();
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Evicts the least recently used `fraction` (0–1) of entries; returns how many. */
  evictFraction(fraction: number): number {
    const count = Math.ceil(this.#lru.size * Math.min(Math.max(fraction, 0), 1));
    for (let i = 0; i < count; i++) {
      if (this.#lru.pop() === undefined) return i; // counted by dispose as an eviction
    }
    return count;
  }

  /** Counters and sizes. */
  stats(): MemoryTierStats {
    const reads = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      staleHits: this.#staleHits,
      evictions: this.#evictions,
      entries: this.#lru.size,
      bytes: this.#lru.calculatedSize ?? 0,
      hitRate: reads === 0 ? 0 : this.#hits / reads,
    };
  }
}

/** Creates a memory tier (see `MemoryTierOptions`). */
export function memoryTier<V = unknown>(options?: MemoryTierOptions): MemoryTier<V> {
  return new MemoryTier<V>(options);
}
