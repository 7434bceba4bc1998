export { PostgresInsight, INSIGHT_CHECKS } from './postgres-insight';
export type { CheckReport, InsightReport, PostgresInsightOptions } from './postgres-insight';
export { DEFAULT_THRESHOLDS } from './thresholds';
export type { InsightThresholds } from './thresholds';
export type { Finding, Severity } from '../finding';
export type { QueryResultLike, SqlClient } from './sql-client';
export { registerPostgresMetrics } from './postgres-metrics';
export type { PostgresMetricsOptions } from './postgres-metrics';
export { registerInsightMetrics } from './insight-metrics';
