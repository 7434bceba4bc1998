import { isFresh, physicalTtl, type StoredEntry } from '../cache-entry';
import type { CacheEvents } from '../cache-events';
import { CacheNotConfiguredError, InvalidKeyError } from '../errors';
import { assertKey, assertValue } from '../key';
import type { L2Health } from '../l2-tier';
import { TAG_KEY_PREFIX } from '../tag-registry';
import { onBusMessage } from './bus-sync';
import { createCore, l2Failed, type Core } from './core';
import { load, maybeRefreshAhead } from './loader';
import type { CacheOptions, CacheStats, DetailedResult, EntryOptions, FactoryContext, GetOrSetOptions } from './options';
import { freshUntaggedL1, hit, miss, read, readL1 } from './reads';
import { singleFlight } from './single-flight';
import { entryFor, publish, rethrowBadInput, setL1, writeThrough } from './writes';

export type { CacheOptions, CacheStats, DetailedResult, EntryOptions, FactoryContext, GetOrSetOptions } from './options';

/**
 * Hands a namespace view its shared state through the public constructor without exposing that
 * state in the public type: set immediately before `new Cache()` and consumed by it.
 */
let pendingView: { core: Core; prefix: string } | undefined;

/**
 * A multi-tier cache: memory (L1) in front of an optional shared tier (L2). Reads promote L2 hits
 * into L1; `getOrSet` runs one factory per key per process (and per fleet with `lock`), serves stale
 * values within grace when the factory fails or is slow, refreshes ahead of expiry, and never waits on
 * a failing L2 longer than its timeout. Precedence of options: per call > per instance > defaults.
 *
 * This class is the facade; the flows live beside it: `reads` (L1, L2, promotion), `writes`,
 * `single-flight`, `loader` (misses, the fleet lock, refresh-ahead), `factory-runner` (timeouts and
 * grace), `bus-sync` (other instances' changes) and `core` (options and shared state).
 */
export class Cache {
  readonly #core: Core;
  readonly #prefix: string;

  constructor(options: CacheOptions = {}) {
    const view = pendingView;
    pendingView = undefined;
    if (view) {
      this.#core = view.core;
      this.#prefix = view.prefix;
      return;
    }
    this.#prefix = '';
    this.#core = createCore(options);
    const core = this.#core;
    options.bus?.subscribe((message) => onBusMessage(core, message)).catch((e: unknown) => l2Failed(core, e));
  }

  /** A view whose keys live under `name:`; `clear()` on it clears only that namespace. */
  namespace(name: string): Cache {
    assertKey(name);
    pendingView = { core: this.#core, prefix: `${this.#prefix}${name}:` };
    return new Cache();
  }

  /** Subscribes to cache events. */
  on<E extends keyof CacheEvents>(event: E, listener: (...args: CacheEvents[E]) => void): this {
    this.#core.emitter.on(event, listener as never);
    return this;
  }

  /** The fresh value from L1 or L2, or `undefined`. */
  async get<T>(key: string): Promise<T | undefined> {
    const full = this.#key(key);
    const found = freshUntaggedL1(this.#core, full);
    if (found) return found.v as T;
    const entry = (await read(this.#core, full)).fresh;
    return entry?.v as T | undefined;
  }

  /** Fresh values for many keys: L1 first, then the rest from L2 in one round trip. */
  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    const core = this.#core;
    const full = keys.map((k) => this.#key(k));
    const result: Array<T | undefined> = new Array<T | undefined>(keys.length).fill(undefined);
    const missing: number[] = [];
    for (let i = 0; i < full.length; i++) {
      const entry = await readL1(core, full[i]!);
      if (entry && isFresh(entry)) {
        hit(core, full[i]!, 'l1');
        result[i] = entry.v as T;
      } else missing.push(i);
    }
    if (missing.length > 0 && core.l2) {
      const entries = await core.l2.getMany<StoredEntry>(missing.map((i) => full[i]!)).catch((e: unknown) => {
        l2Failed(core, e);
        return [] as Array<undefined>;
      });
      for (let j = 0; j < missing.length; j++) {
        const i = missing[j]!;
        const entry = entries[j];
        if (entry && isFresh(entry) && !(await core.tags.invalidates(entry.t, entry.c))) {
          setL1(core, full[i]!, entry);
          hit(core, full[i]!, 'l2');
          result[i] = entry.v as T;
        }
      }
    }
    for (let i = 0; i < result.length; i++) if (result[i] === undefined) miss(core, full[i]!);
    return result;
  }

  /** True when a fresh value exists in either tier. */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Writes through both tiers. The value must survive the L2 serializer, or nothing is written. */
  async set(key: string, value: unknown, options: EntryOptions = {}): Promise<void> {
    const full = this.#key(key);
    assertValue(value, key);
    await writeThrough(this.#core, full, value, options);
  }

  /** Writes many entries: one L2 round trip. */
  async setMany(items: Array<{ key: string; value: unknown } & EntryOptions>): Promise<void> {
    const core = this.#core;
    const prepared = items.map((item) => {
      const full = this.#key(item.key);
      assertValue(item.value, item.key);
      return { full, entry: entryFor(core, item.value, item) };
    });
    if (core.l2) {
      await core.l2.setMany(prepared.map((p) => ({ key: p.full, value: p.entry, ttl: physicalTtl(p.entry) }))).catch((e: unknown) => rethrowBadInput(core, e));
    }
    for (const p of prepared) setL1(core, p.full, p.entry);
    publish(core, 'delete', prepared.map((p) => p.full));
  }

  /** Writes through both tiers now and queues the value for the write-behind sink. */
  async writeBehind(key: string, value: unknown, options: EntryOptions = {}): Promise<void> {
    const queue = this.#core.writeBehind;
    if (!queue) throw new CacheNotConfiguredError('writeBehind needs the `writeBehind` option (a sink) on the cache');
    // The sink sees the namespaced key, so two namespaces writing `k` stay two writes.
    const full = this.#key(key);
    queue.assertRoom(full); // refused before anything is written
    await this.set(key, value, options);
    queue.enqueue(full, value);
  }

  /** Delivers queued write-behind writes now. */
  async flush(): Promise<void> {
    await this.#core.writeBehind?.flush();
  }

  /** Removes a key from both tiers and from other instances' memory. */
  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  /** Removes keys from both tiers (one L2 round trip) and from other instances' memory. */
  async deleteMany(keys: string[]): Promise<void> {
    const core = this.#core;
    const full = keys.map((k) => this.#key(k));
    for (const k of full) core.l1.delete(k);
    await core.l2?.deleteMany(full).catch((e: unknown) => l2Failed(core, e));
    publish(core, 'delete', full);
    core.emitter.emit('delete', { keys: full });
  }

  /** Invalidates every entry carrying one of the tags, in every instance, without scanning. */
  async deleteByTag(tags: string | string[]): Promise<void> {
    const list = Array.isArray(tags) ? tags : [tags];
    for (const tag of list) assertKey(tag);
    await this.#core.tags.invalidate(list);
    publish(this.#core, 'tags', list);
  }

  /** Clears this cache's namespace (everything, on the root) — or the named namespace below it. */
  async clear(namespace?: string): Promise<void> {
    if (namespace !== undefined) return this.namespace(namespace).clear();
    const core = this.#core;
    core.l1.clear(this.#prefix === '' ? undefined : this.#prefix);
    await core.l2?.deleteByPrefix(this.#prefix).catch((e: unknown) => l2Failed(core, e));
    publish(core, 'clear', [this.#prefix]);
  }

  /** The cached value, or the factory's result cached; one factory run per key at a time. */
  async getOrSet<T>(key: string, factory: (ctx: FactoryContext) => Promise<T> | T, options: GetOrSetOptions = {}): Promise<T> {
    return (await this.getOrSetDetailed(key, factory, options)).value;
  }

  /** `getOrSet` that also says whether the value was a hit, a miss, stale or graced. */
  async getOrSetDetailed<T>(key: string, factory: (ctx: FactoryContext) => Promise<T> | T, options: GetOrSetOptions = {}): Promise<DetailedResult<T>> {
    const core = this.#core;
    const view = { core, prefix: this.#prefix };
    const full = this.#key(key);
    const opts = { ...core.defaults, ...options };
    const found = freshUntaggedL1(core, full);
    if (found) {
      maybeRefreshAhead(view, full, found, factory, opts);
      return { value: found.v as T, status: 'hit' };
    }
    const l1 = await readL1(core, full);
    if (l1 && isFresh(l1)) {
      hit(core, full, 'l1');
      maybeRefreshAhead(view, full, l1, factory, opts);
      return { value: l1.v as T, status: 'hit' };
    }
    return singleFlight(core, full, (hold) => load(view, full, factory, opts, l1, hold)) as Promise<DetailedResult<T>>;
  }

  /** `up` with a working L2 (or none), `degraded` while L2 is unreachable: memory still serves. */
  async health(): Promise<{ status: 'up' | 'degraded'; detail?: string; l2?: L2Health }> {
    if (!this.#core.l2) return { status: 'up' };
    const l2 = await this.#core.l2.health();
    return l2.status === 'up' ? { status: 'up', l2 } : { status: 'degraded', detail: `L2 ${l2.detail ?? 'down'}`, l2 };
  }

  /**
   * Sheds `fraction` of the in-process tier's entries (least recently used first; L2 keeps them) and returns
   * how many went: what `MemoryPressureGuard` and `@core/monitor`'s `MemoryPressure` call under memory pressure.
   */
  evictFraction(fraction: number): number {
    return this.#core.l1.evictFraction(fraction);
  }

  /** Counters of the cache and its tiers. */
  stats(): CacheStats {
    const { counters, l1, l2, writeBehind, tags } = this.#core;
    const { published, received, ...rest } = counters;
    return {
      ...rest,
      l1: l1.stats(),
      l2: l2?.stats(),
      writeBehind: writeBehind && { pending: writeBehind.size, flushed: writeBehind.flushed, failures: writeBehind.failures },
      bus: { published, received },
      tags: tags.size,
    };
  }

  /**
   * Flushes write-behind, then closes the bus and the L2 tier — those even when the flush failed, so
   * the process can exit; the flush's `WriteBehindError` is thrown afterwards. Idempotent.
   */
  async close(): Promise<void> {
    const core = this.#core;
    if (core.closing) return core.closing.catch(() => undefined);
    core.closing = (async () => {
      try {
        await core.writeBehind?.close();
      } finally {
        await core.bus?.close();
        await core.l2?.close();
      }
    })();
    return core.closing;
  }

  #key(key: string): string {
    assertKey(key);
    if (key.startsWith(TAG_KEY_PREFIX)) throw new InvalidKeyError(`keys starting with "${TAG_KEY_PREFIX}" are reserved`);
    return this.#prefix + key;
  }
}

/** Creates a multi-tier cache (see `CacheOptions`). */
export function createCache(options?: CacheOptions): Cache {
  return new Cache(options);
}
