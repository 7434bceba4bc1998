import type { Registry } from 'prom-client';
import { ReportedSummary } from './reported-summary';
import { scrapeGroup } from './scrape-group';

/** What the vector series read: `stats()` of a `@core/vector` store (read structurally). */
export interface VectorStatsSource {
  stats(): {
    collections: Record<string, { records: number | undefined; queries: number; queryErrors: number; querySeconds: number; p50Seconds?: number; p99Seconds?: number }>;
  };
}

/**
 * `@core/vector` series from `stats()`: `core_vector_collections` (open or queried in this process),
 * `core_vector_records{collection}` (where known without a request), `core_vector_query_errors_total{collection}`
 * and the summary `core_vector_query_duration_seconds{collection}`: quantiles 0.5 and 0.99 of the last 1,024
 * queries, `_sum` (time spent) and `_count` (queries since the store opened).
 */
export function registerVectorMetrics(registry: Registry, source: VectorStatsSource): void {
  scrapeGroup(
    registry,
    {
      collections: { name: 'core_vector_collections', help: 'Vector collections open or queried in this process.' },
      records: { name: 'core_vector_records', help: 'Live records of a collection (where known without a request).', labelNames: ['collection'] },
      errors: { name: 'core_vector_query_errors_total', help: 'Queries of a collection that failed.', labelNames: ['collection'], type: 'counter' },
    },
    async (set) => {
      const { collections } = source.stats();
      set('collections', Object.keys(collections).length);
      for (const [collection, c] of Object.entries(collections)) {
        if (c.records !== undefined) set('records', c.records, { collection });
        set('errors', c.queryErrors, { collection });
      }
    },
  );
  new ReportedSummary({ name: 'core_vector_query_duration_seconds', help: 'Query latency of a collection in seconds (quantiles of the last 1,024 queries).', labelNames: ['collection'], registers: [registry] }, () =>
    Object.entries(source.stats().collections).map(([collection, c]) => ({ labels: { collection }, quantiles: { '0.5': c.p50Seconds, '0.99': c.p99Seconds }, sum: c.querySeconds, count: c.queries })),
  );
}
