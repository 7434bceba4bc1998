import type { Registry } from 'prom-client';
import { scrapeGroup } from '../metrics/scrape-group';
import type { InsightReport } from './postgres-insight';

/**
 * The insight's own series from its newest report (`report()` decides how fresh: the orchestrator caches
 * 30 s): `core_insight_findings{check,severity}`, `core_insight_check_stale{check}` and
 * `core_insight_report_timestamp_seconds`. A report that fails leaves the series out.
 */
export function registerInsightMetrics(registry: Registry, report: () => Promise<InsightReport>): void {
  scrapeGroup(
    registry,
    {
      findings: { name: 'core_insight_findings', help: 'Findings of the newest insight report by check and severity.', labelNames: ['check', 'severity'] },
      stale: { name: 'core_insight_check_stale', help: 'Whether a check answered from an earlier run (1) in the newest report.', labelNames: ['check'] },
      at: { name: 'core_insight_report_timestamp_seconds', help: 'When the newest insight report was read (Unix time).' },
    },
    async (set) => {
      const current = await report().catch(() => undefined);
      if (!current) return;
      for (const check of current.checks) {
        set('stale', check.ok ? 0 : 1, { check: check.name });
        const bySeverity = new Map<string, number>();
        for (const finding of check.findings) bySeverity.set(finding.severity, (bySeverity.get(finding.severity) ?? 0) + 1);
        for (const [severity, count] of bySeverity) set('findings', count, { check: check.name, severity });
      }
      set('at', Date.parse(current.at) / 1000);
    },
  );
}
