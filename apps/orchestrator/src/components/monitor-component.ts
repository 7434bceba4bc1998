import { PostgresInsight, registerInsightMetrics, registerPostgresMetrics } from '@core/monitor/postgres';
import type { InsightReport } from '@core/monitor/postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Component, ComponentHealth } from '../component';
import type { DatabaseConfig } from '../config/config';

/** How long an insight report is served before the checks run again. */
const INSIGHT_TTL_MS = 30_000;

/**
 * The profile's PostgreSQL seen by `@core/monitor`: the insight (`/insight`, the dashboard's advice, `core
 * monitor insight`) and postgres_exporter-compatible series on `/metrics`, over one small pool of its own
 * (two connections, so a slow insight never takes the service's connections).
 */
export class MonitorComponent implements Component {
  readonly name = 'monitor';
  private readonly pool: pg.Pool;
  readonly insight: PostgresInsight;
  private last: { at: number; report: Promise<InsightReport> } | undefined;

  constructor(
    database: Extract<DatabaseConfig, { kind: 'postgres' }>,
    private readonly logger: Logger,
  ) {
    // query_timeout past the insight's statement_timeout (2 s) and its client-side margin: a connection whose
    // query got no answer (a stalled network) is dropped rather than holding one of the two slots.
    this.pool = new pg.Pool({ connectionString: database.url, max: 2, connectionTimeoutMillis: 2000, query_timeout: 4000, application_name: 'core-monitor' });
    this.pool.on('error', (error) => this.logger.warn({ err: error.message }, 'monitor connection lost'));
    this.insight = new PostgresInsight(this.pool);
  }

  /** Adds the PostgreSQL series and the insight's own (findings per check, from the cached report) to the service's registry. */
  attachMetrics(registry: Registry): void {
    // Scrapes within a second share one query: a busy /metrics is not a query per scrape.
    registerPostgresMetrics(registry, this.pool, { minIntervalMs: 1_000 });
    registerInsightMetrics(registry, () => this.report());
  }

  /** The newest insight report (run again once it is older than 30 s). */
  report(): Promise<InsightReport> {
    if (!this.last || Date.now() - this.last.at > INSIGHT_TTL_MS) {
      const report = this.insight.run();
      report.catch(() => (this.last = undefined));
      this.last = { at: Date.now(), report };
    }
    return this.last.report;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    await this.pool.end();
  }

  async health(): Promise<ComponentHealth> {
    if (!this.last) return { status: 'up', detail: 'no insight run yet' };
    const report = await this.last.report.catch(() => undefined);
    if (!report) return { status: 'degraded', detail: 'the last insight run failed' };
    const critical = report.findings.filter((f) => f.severity === 'critical').length;
    const stale = report.checks.filter((c) => !c.ok).length;
    return { status: stale > 0 ? 'degraded' : 'up', detail: `${report.findings.length} findings (${critical} critical)${stale ? `, ${stale} checks stale` : ''}` };
  }
}
