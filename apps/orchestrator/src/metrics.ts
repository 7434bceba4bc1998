import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ComponentRegistry } from './component-registry';
import type { SchedulerComponent } from './components/scheduler-component';

/** The orchestrator's Prometheus registry and the instruments the HTTP server updates. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
}

/** How long a scrape reuses the component health and job status an earlier one read (they cost queries). */
const READ_REUSE_MS = 1_000;

/** `read`, reused for `ms` after it started (concurrent and close scrapes share one read) until `forget()`. */
function reusedFor<T>(ms: number, read: () => Promise<T>): { read(): Promise<T>; forget(): void } {
  let last: { at: number; value: Promise<T> } | undefined;
  return {
    read: () => {
      if (!last || performance.now() - last.at >= ms) {
        const value = read();
        value.catch(() => (last = undefined));
        last = { at: performance.now(), value };
      }
      return last.value;
    },
    forget: () => (last = undefined),
  };
}

/** Creates a registry with default process metrics, per-component health gauges and, with a scheduler, job metrics. */
export function createMetrics(components: ComponentRegistry, scheduler?: SchedulerComponent): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'core_' });
  // prom-client names three gauges `…_total`, which `promtool check metrics` rejects; the same counts stay
  // available per type (`core_nodejs_active_handles{type}` …).
  for (const total of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`core_nodejs_${total}`);
  const httpRequests = new Counter({
    name: 'core_http_requests_total',
    help: 'HTTP requests served, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'core_http_request_duration_seconds',
    help: 'HTTP request duration in seconds.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const health = reusedFor(READ_REUSE_MS, () => components.health());
  new Gauge({
    name: 'core_component_up',
    help: '1 when a component reports up or degraded, 0 when down.',
    labelNames: ['component'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const report of await health.read()) {
        this.set({ component: report.name }, report.status === 'down' ? 0 : 1);
      }
    },
  });
  if (scheduler) registerJobMetrics(registry, scheduler);
  return { registry, httpRequests, httpDuration };
}

/** core_job_*: runs by result, duration, missed occurrences, last success and next run per job. */
function registerJobMetrics(registry: Registry, scheduler: SchedulerComponent): void {
  const runs = new Counter({ name: 'core_job_runs_total', help: 'Job runs that ended, by job and result.', labelNames: ['job', 'result'] as const, registers: [registry] });
  const duration = new Histogram({ name: 'core_job_run_duration_seconds', help: 'Duration of job runs in seconds.', labelNames: ['job'] as const, buckets: [0.1, 1, 10, 60, 300, 1800, 3600, 14400], registers: [registry] });
  const missed = new Counter({ name: 'core_job_missed_runs_total', help: 'Occurrences recorded as missed (no scheduler ran, or the missed-run policy skipped them).', labelNames: ['job'] as const, registers: [registry] });
  const status = reusedFor(READ_REUSE_MS, () => scheduler.scheduler.status());
  scheduler.observe({
    onRunEnd: (job, state, seconds) => {
      runs.inc({ job, result: state });
      duration.observe({ job }, seconds);
      status.forget(); // the next scrape shows this run's last success and next run
    },
    onMissed: (job, count) => missed.inc({ job }, count),
  });
  const fromStatus = (name: string, help: string, pick: (s: Awaited<ReturnType<SchedulerComponent['scheduler']['status']>>[number]) => Date | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['job'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        if (!scheduler.running) return;
        for (const job of await status.read().catch(() => [])) {
          const at = pick(job);
          if (at) this.set({ job: job.name }, at.getTime() / 1000);
        }
      },
    });
  fromStatus('core_job_last_success_timestamp_seconds', 'When each job last succeeded (Unix seconds).', (s) => s.lastSuccess);
  fromStatus('core_job_next_run_timestamp_seconds', 'When each job runs next (Unix seconds).', (s) => s.nextRun);
}
