export { HealthRegistry } from './health/health-registry';
export type { CheckOutcome, CheckResult, HealthCheck, HealthReport, HealthStatus } from './health/health-registry';
export { CheckTimeoutError, InvalidOptionsError, MonitorError, QueryFailedError } from './errors';
export type { MonitorErrorCode } from './errors';
export { registerRedisMetrics, parseRedisInfo } from './metrics/redis-metrics';
export type { RedisInfoClient } from './metrics/redis-metrics';
export { RedisInsight, DEFAULT_REDIS_THRESHOLDS } from './redis/redis-insight';
export type { RedisInsightClient, RedisInsightReport, RedisThresholds } from './redis/redis-insight';
export type { Finding, Severity } from './finding';
