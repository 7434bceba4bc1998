import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CacheBus } from '../cache-bus';
import type { StoredEntry } from '../cache-entry';
import type { CacheEvents } from '../cache-events';
import { InvalidTtlError } from '../errors';
import type { L2Tier } from '../l2-tier';
import { MemoryTier } from '../memory-tier';
import { TagRegistry } from '../tag-registry';
import { DEFAULT_TTL_TIERS, assertDuration, type TtlTier } from '../ttl';
import { WriteBehindQueue } from '../write-behind';
import type { CacheOptions, CacheStats, DetailedResult } from './options';

/** Defaults every call falls back to (per call > per instance > these). */
export type Defaults = Required<Pick<CacheOptions, 'ttl' | 'grace' | 'refreshAhead' | 'lock' | 'lockTtlMs' | 'lockWaitMs'>> &
  Pick<CacheOptions, 'tier' | 'softTimeoutMs' | 'hardTimeoutMs'>;

/** The state a cache and all its namespace views share. */
export interface Core {
  id: string;
  l1: MemoryTier<StoredEntry>;
  l2: L2Tier | undefined;
  bus: CacheBus | undefined;
  tags: TagRegistry;
  inflight: Map<string, Promise<DetailedResult<unknown>>>;
  emitter: EventEmitter<CacheEvents>;
  writeBehind: WriteBehindQueue | undefined;
  defaults: Defaults;
  ttlTiers: Record<string, TtlTier>;
  counters: Omit<CacheStats, 'l1' | 'l2' | 'writeBehind' | 'bus' | 'tags'> & { published: number; received: number };
  /** The one close of this cache and its namespace views. */
  closing?: Promise<void>;
}

/** A cache seen from one namespace: the shared core and the key prefix of the view. */
export interface View {
  core: Core;
  prefix: string;
}

/** Keeps a key's single flight (and fleet lock) until `work` settles. */
export type Hold = (work: Promise<unknown>) => void;

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Validates the options and builds the shared state of a new cache. */
export function createCore(options: CacheOptions): Core {
  const defaults: Defaults = {
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
  const onL2Error = (error: unknown) => void emitter.emit('l2:error', { error });
  return {
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
    counters: { hits: 0, misses: 0, staleServed: 0, graced: 0, factoryCalls: 0, factoryErrors: 0, factoryTimeouts: 0, published: 0, received: 0 },
  };
}

function tagRetention(value: number | undefined): number {
  if (value === undefined) return WEEK_MS;
  assertDuration(value, 'tagRetentionMs');
  if (value === 0) throw new InvalidTtlError('tagRetentionMs must be above 0');
  return value;
}

/** Reports a failure of the shared tier or the bus (absorbed: memory keeps serving). */
export function l2Failed(core: Core, error: unknown): void {
  core.emitter.emit('l2:error', { error });
}
