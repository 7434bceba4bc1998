import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ComponentRegistry } from './component-registry';

/** The orchestrator's Prometheus registry and the instruments the HTTP server updates. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
}

/** Creates a registry with default process metrics and per-component health gauges. */
export function createMetrics(components: ComponentRegistry): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'core_' });
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
  new Gauge({
    name: 'core_component_up',
    help: '1 when a component reports up or degraded, 0 when down.',
    labelNames: ['component'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const report of await components.health()) {
        this.set({ component: report.name }, report.status === 'down' ? 0 : 1);
      }
    },
  });
  return { registry, httpRequests, httpDuration };
}
