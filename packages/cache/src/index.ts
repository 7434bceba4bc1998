export { Cache, createCache } from './cache/cache';
export type { CacheOptions, CacheStats, DetailedResult, EntryOptions, FactoryContext, GetOrSetOptions } from './cache/cache';
export type { CacheEvents, ResultStatus } from './cache-events';
export type { BusMessage, CacheBus } from './cache-bus';
export type { L2Tier, L2Health, L2SetOptions, L2Stats } from './l2-tier';
export type { BreakerState } from './tier-stats';
export { MemoryTier, memoryTier } from './memory-tier';
export type { MemoryRecord, MemorySetOptions, MemoryTierOptions, MemoryTierStats } from './memory-tier';
export { MemoryPressureGuard } from './memory-pressure-guard';
export type { Evictable, MemoryPressureOptions } from './memory-pressure-guard';
export { TtlMap } from './ttl-map';
export { estimateSize } from './size-estimate';
export { jsonSerializer } from './serializer';
export type { Serializer } from './serializer';
export { DEFAULT_TTL_TIERS } from './ttl';
export type { TtlTier, TtlTierName } from './ttl';
export { MAX_KEY_BYTES } from './key';
export { cached, invalidates } from './cached';
export type { CachedOptions } from './cached';
export { KeyvCacheStore, keyvStore } from './keyv-store';
export type { WriteBehindItem, WriteBehindOptions } from './write-behind';
export {
  CacheError,
  FactoryTimeoutError,
  InvalidKeyError,
  InvalidTtlError,
  InvalidValueError,
  L2UnavailableError,
  SerializationError,
  WriteBehindError,
  WriteBehindFullError,
  CacheNotConfiguredError,
} from './errors';
