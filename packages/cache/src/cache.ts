import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import type { BusMessage, CacheBus } from './cache-bus';
import { createEntry, isFresh, isServable, physicalTtl, type StoredEntry } from './cache-entry';
import type { CacheEvents, ResultStatus } from './cache-events';
import { CacheNotConfiguredError, FactoryTimeoutError, InvalidKeyError, InvalidTtlError } from './errors';
import { assertKey, assertValue } from './key';
import type { L2Health, L2Stats, L2Tier } from './l2-tier';
import { MemoryTier, type MemoryTierOptions, type MemoryTierStats } from './memory-tier';
import { TAG_KEY_PREFIX, TagRegistry } from './tag-registry';
import { DEFAULT_TTL_TIERS, assertDuration, resolveTtl, type TtlTier } from './ttl';
import { WriteBehindQueue, type WriteBehindOptions } from './write-behind';

/** Options that can be set per instance and overridden per call. */
export interface EntryOptions {
  /** TTL in ms (0: no expiry). */
  ttl?: number;
  /** Named TTL tier instead of (or to check) `ttl`. */
  tier?: string;
  /** How long after expiry a stale value may be served when the factory fails or is slow, ms. */
  grace?: number;
  /** Tags for `deleteByTag`. */
  tags?: string[];
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends EntryOptions {
  /** With a stale value at hand, serve it if the factory takes longer than this (ms); it keeps running. */
  softTimeoutMs?: number;
  /** Give up on the factory after this (ms): serve stale within grace, else `FactoryTimeoutError`. */
  hardTimeoutMs?: number;
  /** Refresh in the background once less than this fraction of the TTL remains (0–1; 0 = off). */
  refreshAhead?: number;
  /** Take a cross-instance lock on a miss so one instance in the fleet runs the factory (needs L2). */
  lock?: boolean;
}

/** What the factory receives. */
export interface FactoryContext {
  key: string;
  /** Aborted when the hard timeout passes. */
  signal: AbortSignal;
}

/** Options of a multi-tier cache. */
export interface CacheOptions extends Omit<GetOrSetOptions, 'tags'> {
  /** Memory tier settings (default: 10,000 entries). */
  memory?: MemoryTierOptions;
  /** Shared second tier, e.g. `redisTier(...)` from `@core/cache/redis`. */
  l2?: L2Tier;
  /** Channel that keeps other instances' memory tiers coherent, e.g. `redisBus(...)`. */
  bus?: CacheBus;
  /** Named TTL tiers (default hot / warm / cold). */
  ttlTiers?: Record<string, TtlTier>;
  /** Cross-instance lock: its TTL and how long a waiter polls for the winner's value (ms). */
  lockTtlMs?: number;
  /** See `lockTtlMs`. */
  lockWaitMs?: number;
  /** How often a tag's invalidation time is re-read from the shared tier, ms (default 5,000). */
  tagRefreshMs?: number;
  /**
   * Longest life of a tagged entry, ms (default 7 days): a tagged entry's TTL plus grace is capped at
   * it, and tag invalidation times are kept that long and no longer (default 604,800,000).
   */
  tagRetentionMs?: number;
  /** Enables `writeBehind(key, value)`: batched delivery to your store. */
  writeBehind?: WriteBehindOptions;
}

/** A `getOrSet` answer with how it was obtained. */
export interface DetailedResult<T> {
  value: T;
  status: ResultStatus;
}

/** Counters of the whole cache. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Served stale after a soft timeout. */
  staleServed: number;
  /** Served stale after a factory failure. */
  graced: number;
  factoryCalls: number;
  factoryErrors: number;
  factoryTimeouts: number;
  l1: MemoryTierStats;
  l2: L2Stats | undefined;
  writeBehind: { pending: number; flushed: number; failures: number } | undefined;
  bus: { published: number; received: number };
  /** Tags whose invalidation time this instance holds (bounded: see `tagRetentionMs`). */
  tags: number;
}

interface Core {
  id: string;
  l1: MemoryTier<StoredEntry>;
  l2: L2Tier | undefined;
  bus: CacheBus | undefined;
  tags: TagRegistry;
  inflight: Map<string, Promise<DetailedResult<unknown>>>;
  emitter: EventEmitter<CacheEvents>;
  writeBehind: WriteBehindQueue | undefined;
  defaults: Required<Pick<CacheOptions, 'ttl' | 'grace' | 'refreshAhead' | 'lock' | 'lockTtlMs' | 'lockWaitMs'>> &
    Pick<CacheOptions, 'tier' | 'softTimeoutMs' | 'hardTimeoutMs'>;
  ttlTiers: Record<string, TtlTier>;
  counters: Omit<CacheStats, 'l1' | 'l2' | 'writeBehind' | 'bus' | 'tags'> & { published: number; received: number };
  /** The one close of this cache and its namespace views. */
  closing?: Promise<void>;
}

/**
 * Hands a namespace view its shared state through the public constructor without exposing that
 * state in the public type: set immediately before `new Cache()` and consumed by it.
 */
let pendingView: { core: Core; prefix: string } | undefined;

/** Keeps a key's single flight (and fleet lock) until `work` settles. */
type Hold = (work: Promise<unknown>) => void;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A multi-tier cache: memory (L1) in front of an optional shared tier (L2). Reads promote L2 hits
 * into L1; `getOrSet` runs one factory per key per process (and per fleet with `lock`), serves stale
 * values within grace when the factory fails or is slow, refreshes ahead of expiry, and never waits on
 * a failing L2 longer than its timeout. Precedence of options: per call > per instance > defaults.
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
    const defaults = {
      ttl: options.ttl ?? 60_000,
      grace: options.grace ?? 0,
      refreshAhead: options.refreshAhead ?? 0,
      lock: options.lock ?? false,
      lockTtlMs: options.lockTtlMs ?? 10_000,
      lockWaitMs: options.lockWaitMs ?? 5_000,
      tier: options.tier,
      softTimeoutMs: options.softTimeoutMs,
      hardTimeoutMs: options.hardTimeoutMs,
    };
    for (const [name, value] of Object.entries(defaults)) {
      if (typeof value === 'number' && name !== 'refreshAhead') assertDuration(value, name);
    }
    const emitter = new EventEmitter<CacheEvents>();
    const onL2Error = (error: unknown) => this.#l2Failed(error);
    this.#core = {
      id: randomUUID(),
      l1: new MemoryTier<StoredEntry>(options.memory),
      l2: options.l2,
      bus: options.bus,
      tags: new TagRegistry(options.l2, options.tagRefreshMs ?? 5_000, onL2Error, tagRetention(options.tagRetentionMs)),
      inflight: new Map(),
      emitter,
      writeBehind: options.writeBehind
        ? new WriteBehindQueue({
            ...options.writeBehind,
            onFlush: (count) => emitter.emit('writebehind:flush', { count }),
            onError: (error) => emitter.emit('writebehind:error', { error }),
          })
        : undefined,
      defaults,
      ttlTiers: options.ttlTiers ?? { ...DEFAULT_TTL_TIERS },
      counters: {
        hits: 0, misses: 0, staleServed: 0, graced: 0, factoryCalls: 0, factoryErrors: 0, factoryTimeouts: 0,
        published: 0, received: 0,
      },
    };
    options.bus?.subscribe((message) => this.#onBusMessage(message)).catch(onL2Error);
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
    const hit = this.#freshUntaggedL1(full);
    if (hit) return hit.v as T;
    const entry = (await this.#read(full)).fresh;
    return entry?.v as T | undefined;
  }

  /** Fresh values for many keys: L1 first, then the rest from L2 in one round trip. */
  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    const full = keys.map((k) => this.#key(k));
    const result: Array<T | undefined> = new Array<T | undefined>(keys.length).fill(undefined);
    const missing: number[] = [];
    for (let i = 0; i < full.length; i++) {
      const entry = await this.#readL1(full[i]!);
      if (entry && isFresh(entry)) {
        this.#hit(full[i]!, 'l1');
        result[i] = entry.v as T;
      } else missing.push(i);
    }
    const { l2 } = this.#core;
    if (missing.length > 0 && l2) {
      const entries = await l2.getMany<StoredEntry>(missing.map((i) => full[i]!)).catch((e: unknown) => {
        this.#l2Failed(e);
        return [] as Array<StoredEntry | undefined>;
      });
      for (let j = 0; j < missing.length; j++) {
        const i = missing[j]!;
        const entry = entries[j];
        if (entry && isFresh(entry) && !(await this.#core.tags.invalidates(entry.t, entry.c))) {
          this.#core.l1.setRecord(full[i]!, { value: entry, expiresAt: entry.e, staleUntil: entry.g });
          this.#hit(full[i]!, 'l2');
          result[i] = entry.v as T;
        }
      }
    }
    for (let i = 0; i < result.length; i++) if (result[i] === undefined) this.#miss(full[i]!);
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
    await this.#write(full, value, options);
  }

  /** Writes many entries: one L2 round trip. */
  async setMany(items: Array<{ key: string; value: unknown } & EntryOptions>): Promise<void> {
    const prepared = items.map((item) => {
      const full = this.#key(item.key);
      assertValue(item.value, item.key);
      return { full, entry: this.#entry(item.value, item) };
    });
    if (this.#core.l2) {
      await this.#core.l2
        .setMany(prepared.map((p) => ({ key: p.full, value: p.entry, ttl: physicalTtl(p.entry) })))
        .catch((e: unknown) => this.#rethrowBadInput(e));
    }
    for (const p of prepared) this.#setL1(p.full, p.entry);
    this.#publish('delete', prepared.map((p) => p.full));
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
    const full = keys.map((k) => this.#key(k));
    for (const k of full) this.#core.l1.delete(k);
    await this.#core.l2?.deleteMany(full).catch((e: unknown) => this.#l2Failed(e));
    this.#publish('delete', full);
    this.#core.emitter.emit('delete', { keys: full });
  }

  /** Invalidates every entry carrying one of the tags, in every instance, without scanning. */
  async deleteByTag(tags: string | string[]): Promise<void> {
    const list = Array.isArray(tags) ? tags : [tags];
    for (const tag of list) assertKey(tag);
    await this.#core.tags.invalidate(list);
    this.#publish('tags', list);
  }

  /** Clears this cache's namespace (everything, on the root) — or the named namespace below it. */
  async clear(namespace?: string): Promise<void> {
    if (namespace !== undefined) return this.namespace(namespace).clear();
    this.#core.l1.clear(this.#prefix === '' ? undefined : this.#prefix);
    await this.#core.l2?.deleteByPrefix(this.#prefix).catch((e: unknown) => this.#l2Failed(e));
    this.#publish('clear', [this.#prefix]);
  }

  /** The cached value, or the factory's result cached; one factory run per key at a time. */
  async getOrSet<T>(key: string, factory: (ctx: FactoryContext) => Promise<T> | T, options: GetOrSetOptions = {}): Promise<T> {
    return (await this.getOrSetDetailed(key, factory, options)).value;
  }

  /** `getOrSet` that also says whether the value was a hit, a miss, stale or graced. */
  async getOrSetDetailed<T>(
    key: string,
    factory: (ctx: FactoryContext) => Promise<T> | T,
    options: GetOrSetOptions = {},
  ): Promise<DetailedResult<T>> {
    const full = this.#key(key);
    const opts = { ...this.#core.defaults, ...options };
    const hit = this.#freshUntaggedL1(full);
    if (hit) {
      this.#maybeRefreshAhead(full, hit, factory, opts);
      return { value: hit.v as T, status: 'hit' };
    }
    const l1 = await this.#readL1(full);
    if (l1 && isFresh(l1)) {
      this.#hit(full, 'l1');
      this.#maybeRefreshAhead(full, l1, factory, opts);
      return { value: l1.v as T, status: 'hit' };
    }
    return this.#singleFlight(full, (hold) => this.#load(full, factory, opts, l1, hold)) as Promise<DetailedResult<T>>;
  }

  /** `up` with a working L2 (or none), `degraded` while L2 is unreachable: memory still serves. */
  async health(): Promise<{ status: 'up' | 'degraded'; detail?: string; l2?: L2Health }> {
    if (!this.#core.l2) return { status: 'up' };
    const l2 = await this.#core.l2.health();
    return l2.status === 'up' ? { status: 'up', l2 } : { status: 'degraded', detail: `L2 ${l2.detail ?? 'down'}`, l2 };
  }

  /** Counters of the cache and its tiers. */
  stats(): CacheStats {
    const { counters, l1, l2, writeBehind } = this.#core;
    const { published, received, ...rest } = counters;
    return {
      ...rest,
      l1: l1.stats(),
      l2: l2?.stats(),
      writeBehind: writeBehind && { pending: writeBehind.size, flushed: writeBehind.flushed, failures: writeBehind.failures },
      bus: { published, received },
      tags: this.#core.tags.size,
    };
  }

  /**
   * Flushes write-behind, then closes the bus and the L2 tier — those even when the flush failed, so
   * the process can exit; the flush's `WriteBehindError` is thrown afterwards. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#core.closing) return this.#core.closing.catch(() => undefined);
    this.#core.closing = (async () => {
      try {
        await this.#core.writeBehind?.close();
      } finally {
        await this.#core.bus?.close();
        await this.#core.l2?.close();
      }
    })();
    return this.#core.closing;
  }

  // ---- internals ----

  #key(key: string): string {
    assertKey(key);
    if (key.startsWith(TAG_KEY_PREFIX)) throw new InvalidKeyError(`keys starting with "${TAG_KEY_PREFIX}" are reserved`);
    return this.#prefix + key;
  }

  #entry(value: unknown, options: EntryOptions): StoredEntry {
    const { defaults, ttlTiers } = this.#core;
    const ttl = resolveTtl(options.ttl, options.tier ?? (options.ttl === undefined ? defaults.tier : undefined), ttlTiers, defaults.ttl);
    const grace = options.grace ?? defaults.grace;
    assertDuration(grace, 'grace');
    if (!options.tags || options.tags.length === 0) return createEntry(value, ttl, grace, undefined);
    for (const tag of options.tags) assertKey(tag);
    // A tagged entry must die before the tag times that could invalidate it are forgotten.
    const retention = this.#core.tags.retentionMs;
    const cappedTtl = ttl === 0 || ttl > retention ? retention : ttl;
    return createEntry(value, cappedTtl, Math.min(grace, retention - cappedTtl), options.tags);
  }

  async #write(full: string, value: unknown, options: EntryOptions): Promise<StoredEntry> {
    const entry = this.#entry(value, options);
    if (this.#core.l2) {
      await this.#core.l2.set(full, entry, { ttl: physicalTtl(entry) }).catch((e: unknown) => this.#rethrowBadInput(e));
    }
    this.#setL1(full, entry);
    this.#publish('delete', [full]);
    this.#core.emitter.emit('set', { key: full });
    return entry;
  }

  #setL1(full: string, entry: StoredEntry): void {
    this.#core.l1.setRecord(full, { value: entry, expiresAt: entry.e, staleUntil: entry.g });
  }

  /** The hot path: a fresh L1 entry without tags needs no await at all. Counts the hit. */
  #freshUntaggedL1(full: string): StoredEntry | undefined {
    const entry = this.#core.l1.getRecord(full)?.value;
    // Without grace the memory tier's own TTL already equals the entry's expiry: no clock read.
    if (entry === undefined || entry.t !== undefined || (entry.g !== entry.e && entry.e <= Date.now())) return undefined;
    this.#hit(full, 'l1');
    return entry;
  }

  /** An L1 entry that is still servable and not invalidated by a tag. */
  async #readL1(full: string): Promise<StoredEntry | undefined> {
    const record = this.#core.l1.getRecord(full);
    if (!record) return undefined;
    const entry = record.value;
    if (entry.t && (await this.#core.tags.invalidates(entry.t, entry.c))) {
      this.#core.l1.delete(full);
      return undefined;
    }
    return isServable(entry) ? entry : undefined;
  }

  /** L1 then L2 (promoting), with the stale candidate found on the way. */
  async #read(full: string): Promise<{ fresh?: StoredEntry; stale?: StoredEntry }> {
    const l1 = await this.#readL1(full);
    if (l1 && isFresh(l1)) {
      this.#hit(full, 'l1');
      return { fresh: l1 };
    }
    const l2 = await this.#readL2(full);
    if (l2 && isFresh(l2)) {
      this.#hit(full, 'l2');
      return { fresh: l2 };
    }
    this.#miss(full);
    return { stale: newest(l1, l2) };
  }

  async #readL2(full: string): Promise<StoredEntry | undefined> {
    const { l2, l1, tags } = this.#core;
    if (!l2) return undefined;
    let entry: StoredEntry | undefined;
    try {
      entry = await l2.get<StoredEntry>(full);
    } catch (error) {
      this.#l2Failed(error);
      return undefined;
    }
    if (!entry || !isServable(entry) || (await tags.invalidates(entry.t, entry.c))) return undefined;
    l1.setRecord(full, { value: entry, expiresAt: entry.e, staleUntil: entry.g });
    return entry;
  }

  /**
   * One load per key at a time. A load may `hold` the key past its answer — a factory still running
   * after a soft timeout served stale — so callers meanwhile share that answer instead of starting
   * another factory (a slow backend would otherwise get a stampede exactly when it is slow).
   */
  #singleFlight(full: string, load: (hold: Hold) => Promise<DetailedResult<unknown>>): Promise<DetailedResult<unknown>> {
    const running = this.#core.inflight.get(full);
    if (running) return running;
    let held: Promise<unknown> | undefined;
    const promise = load((work) => (held = work));
    const release = () => {
      if (this.#core.inflight.get(full) === promise) this.#core.inflight.delete(full);
    };
    promise.then(
      () => (held ? held.then(release, release) : release()),
      release,
    );
    this.#core.inflight.set(full, promise);
    return promise;
  }

  async #load<T>(
    full: string,
    factory: (ctx: FactoryContext) => Promise<T> | T,
    opts: GetOrSetOptions & Core['defaults'],
    l1Stale: StoredEntry | undefined,
    hold: Hold,
  ): Promise<DetailedResult<T>> {
    const l2Entry = await this.#readL2(full);
    if (l2Entry && isFresh(l2Entry)) {
      this.#hit(full, 'l2');
      return { value: l2Entry.v as T, status: 'hit' };
    }
    this.#miss(full);
    const stale = newest(l1Stale, l2Entry);
    const { l2 } = this.#core;
    let token: string | undefined;
    if (opts.lock && l2) {
      let lockFailed = false;
      token = await l2.tryLock(full, opts.lockTtlMs).catch((e: unknown) => {
        lockFailed = true; // L2 is down: no one can hold the lock usefully, run the factory here
        this.#l2Failed(e);
        return undefined;
      });
      if (token === undefined && !lockFailed) {
        const winner = await this.#waitForValue(full, opts.lockWaitMs);
        if (winner) return { value: winner.v as T, status: 'hit' };
      } else if (token !== undefined) {
        const late = await this.#readL2(full); // the previous holder may have just finished
        if (late && isFresh(late)) {
          await l2.unlock(full, token).catch((e: unknown) => this.#l2Failed(e));
          return { value: late.v as T, status: 'hit' };
        }
      }
    }
    // The fleet lock, like the single flight, lasts as long as the factory, not the caller's wait.
    let background: Promise<unknown> | undefined;
    try {
      return await this.#runFactory(full, factory, opts, stale, (work) => hold((background = work)));
    } finally {
      if (token !== undefined) {
        const unlock = () => l2!.unlock(full, token).catch((e: unknown) => this.#l2Failed(e));
        if (background) void background.then(unlock, unlock);
        else await unlock();
      }
    }
  }

  async #waitForValue(full: string, waitMs: number): Promise<StoredEntry | undefined> {
    const deadline = Date.now() + waitMs;
    let delay = 10;
    while (Date.now() < deadline) {
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
      const entry = await this.#readL2(full);
      if (entry && isFresh(entry)) return entry;
    }
    return undefined;
  }

  async #runFactory<T>(
    full: string,
    factory: (ctx: FactoryContext) => Promise<T> | T,
    opts: GetOrSetOptions & Core['defaults'],
    stale: StoredEntry | undefined,
    hold: Hold = () => undefined,
  ): Promise<DetailedResult<T>> {
    const { counters, emitter } = this.#core;
    counters.factoryCalls++;
    const key = full.slice(this.#prefix.length);
    const produce = opts.hardTimeoutMs !== undefined
      ? timeout(opts.hardTimeoutMs, TimeoutStrategy.Aggressive).execute(({ signal }) => factory({ key, signal }))
      : Promise.resolve().then(() => factory({ key, signal: new AbortController().signal }));
    const job = produce.then(async (value) => {
      assertValue(value, key);
      await this.#write(full, value, opts);
      return value;
    });
    if (stale && opts.softTimeoutMs !== undefined) {
      const soft = Symbol('soft');
      const winner = await Promise.race([job, sleep(opts.softTimeoutMs).then(() => soft)]).catch(() => undefined);
      if (winner === soft) {
        hold(job.catch((error: unknown) => this.#factoryFailed(full, error)));
        counters.staleServed++;
        emitter.emit('stale', { key: full });
        return { value: stale.v as T, status: 'stale' };
      }
    }
    try {
      return { value: await job, status: 'miss' };
    } catch (error) {
      this.#factoryFailed(full, error);
      if (stale && isServable(stale)) {
        counters.graced++;
        emitter.emit('graced', { key: full, error });
        return { value: stale.v as T, status: 'graced' };
      }
      if (error instanceof TaskCancelledError) throw new FactoryTimeoutError(key, opts.hardTimeoutMs!);
      throw error;
    }
  }

  #maybeRefreshAhead<T>(
    full: string,
    entry: StoredEntry,
    factory: (ctx: FactoryContext) => Promise<T> | T,
    opts: GetOrSetOptions & Core['defaults'],
  ): void {
    const fraction = opts.refreshAhead;
    if (!fraction || this.#core.inflight.has(full) || entry.e >= Number.MAX_SAFE_INTEGER) return;
    const ttl = entry.e - entry.c;
    if (entry.e - Date.now() > ttl * fraction) return;
    // Background refresh: the caller already has its value; errors are reported, not thrown.
    this.#singleFlight(full, (hold) => this.#runFactory(full, factory, opts, entry, hold) as Promise<DetailedResult<unknown>>).catch(
      () => undefined,
    );
  }

  #factoryFailed(full: string, error: unknown): void {
    this.#core.counters.factoryErrors++;
    if (error instanceof TaskCancelledError) this.#core.counters.factoryTimeouts++;
    this.#core.emitter.emit('factory:error', { key: full, error });
  }

  #hit(full: string, tier: 'l1' | 'l2'): void {
    this.#core.counters.hits++;
    // The hit path is hot: build the event only when someone listens.
    if (this.#core.emitter.listenerCount('hit') > 0) this.#core.emitter.emit('hit', { key: full, tier });
  }

  #miss(full: string): void {
    this.#core.counters.misses++;
    if (this.#core.emitter.listenerCount('miss') > 0) this.#core.emitter.emit('miss', { key: full });
  }

  #l2Failed(error: unknown): void {
    this.#core.emitter.emit('l2:error', { error });
  }

  /** L2 outages are absorbed; errors about the value itself (serialization) reach the caller. */
  #rethrowBadInput(error: unknown): void {
    if ((error as { code?: string }).code === 'CACHE_L2_UNAVAILABLE') return this.#l2Failed(error);
    throw error;
  }

  #publish(op: BusMessage['op'], keys: string[]): void {
    const { bus, id, counters } = this.#core;
    if (!bus || keys.length === 0) return;
    counters.published++;
    bus.publish({ origin: id, op, keys }).catch((e: unknown) => this.#l2Failed(e));
  }

  #onBusMessage(message: BusMessage): void {
    if (message.origin === this.#core.id) return;
    this.#core.counters.received++;
    const { l1, tags } = this.#core;
    if (message.op === 'delete') for (const key of message.keys) l1.delete(key);
    else if (message.op === 'clear') for (const prefix of message.keys) l1.clear(prefix === '' ? undefined : prefix);
    else if (message.op === 'tags') tags.heard(message.keys);
    this.#core.emitter.emit('bus:message', message);
  }
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

function tagRetention(value: number | undefined): number {
  if (value === undefined) return WEEK_MS;
  assertDuration(value, 'tagRetentionMs');
  if (value === 0) throw new InvalidTtlError('tagRetentionMs must be above 0');
  return value;
}

function newest(a: StoredEntry | undefined, b: StoredEntry | undefined): StoredEntry | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.c >= b.c ? a : b;
}

/** Creates a multi-tier cache (see `CacheOptions`). */
export function createCache(options?: CacheOptions): Cache {
  return new Cache(options);
}
