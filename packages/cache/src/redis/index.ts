export { RedisTier, redisTier } from './redis-tier';
export type { RedisTierOptions, RedisTierEvents } from './redis-tier';
export { RedisBus, redisBus } from './redis-bus';
export type { RedisBusOptions } from './redis-bus';
export type { RedisClient, RedisCluster, RedisSource } from './connection';
export type { ResilienceOptions } from './resilience';
