export { RedisSource, RDB_FILE } from './redis-source';
export type { RedisSourceOptions } from './redis-source';
export { restoreRedis } from './restore-redis';
export type { RestoreRedisOptions } from './restore-redis';
export { drillRedis } from '../../drill/redis-drill';
