import type { Registry } from 'prom-client';
import { scrapeGroup } from './scrape-group';

/** What the storage series read: `stats()` of `@core/cloud-storage`'s `metered(provider)` (read structurally). */
export interface StorageStatsSource {
  stats(): {
    provider: string;
    operations: Record<string, { calls: number; errors: number }>;
    errorsByCode: Record<string, number>;
    bytesWritten: number;
    bytesRead: number;
  };
}

/**
 * `@core/cloud-storage` series from a metered provider's `stats()`: `core_storage_operations_total{provider,operation}`,
 * `core_storage_operation_errors_total{provider,operation}`, `core_storage_errors_total{provider,code}` and
 * `core_storage_bytes_total{provider,direction}` (written, read). Several providers may register (one series set each).
 */
export function registerStorageMetrics(registry: Registry, sources: StorageStatsSource | StorageStatsSource[]): void {
  const all = Array.isArray(sources) ? sources : [sources];
  scrapeGroup(
    registry,
    {
      operations: { name: 'core_storage_operations_total', help: 'Storage calls by provider and operation.', labelNames: ['provider', 'operation'], type: 'counter' },
      failed: { name: 'core_storage_operation_errors_total', help: 'Storage calls that failed, by provider and operation.', labelNames: ['provider', 'operation'], type: 'counter' },
      codes: { name: 'core_storage_errors_total', help: 'Storage failures by provider and error code.', labelNames: ['provider', 'code'], type: 'counter' },
      bytes: { name: 'core_storage_bytes_total', help: 'Object bytes written and read, by provider.', labelNames: ['provider', 'direction'], type: 'counter' },
    },
    async (set) => {
      for (const source of all) {
        const s = source.stats();
        const provider = s.provider;
        for (const [operation, o] of Object.entries(s.operations)) {
          set('operations', o.calls, { provider, operation });
          set('failed', o.errors, { provider, operation });
        }
        for (const [code, n] of Object.entries(s.errorsByCode)) set('codes', n, { provider, code });
        set('bytes', s.bytesWritten, { provider, direction: 'written' });
        set('bytes', s.bytesRead, { provider, direction: 'read' });
      }
    },
  );
}
