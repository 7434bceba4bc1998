import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ComponentRegistry } from './component-registry';
import type { Metrics } from './metrics';

/** Where the service is in its life: readiness is true only while `ready`. */
export type Phase = 'starting' | 'ready' | 'stopping' | 'stopped';

/** Options for the HTTP service. */
export interface ServiceOptions {
  host: string;
  port: number;
  components: ComponentRegistry;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The HTTP face of the orchestrator: `/healthz` (liveness), `/readyz` (readiness with a per-component
 * report) and `/metrics` (Prometheus). Listens before components start, so probes see `starting`.
 */
export class Service {
  readonly app: FastifyInstance;
  #phase: Phase = 'starting';
  readonly #options: ServiceOptions;

  constructor(options: ServiceOptions) {
    this.#options = options;
    this.app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, return503OnClosing: true });
    this.#routes();
  }

  /** Current phase. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : this.#options.port;
  }

  /** Listens, starts components in order, then reports ready. */
  async start(): Promise<void> {
    await this.app.listen({ host: this.#options.host, port: this.#options.port });
    this.#options.logger.info({ port: this.port, host: this.#options.host }, 'listening');
    await this.#options.components.startAll();
    this.#phase = 'ready';
    this.#options.logger.info('ready');
  }

  /** Fails readiness, waits for in-flight requests, then stops components in reverse order. */
  async stop(): Promise<void> {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return;
    this.#phase = 'stopping';
    this.#options.logger.info('stopping: readiness now fails, draining in-flight requests');
    await this.app.close();
    const failures = await this.#options.components.stopAll();
    for (const failure of failures) this.#options.logger.error({ err: failure }, 'component stop failed');
    this.#phase = 'stopped';
    this.#options.logger.info('stopped');
  }

  #routes(): void {
    const { metrics, components } = this.#options;
    this.app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    // Probes and scrapes arrive every few seconds: log them only when something goes wrong.
    const quiet = { logLevel: 'warn' as const };
    this.app.get('/healthz', quiet, async () => ({ status: 'ok' }));
    this.app.get('/readyz', quiet, async (_request, reply) => {
      const report = await components.health();
      const healthy = report.every((c) => c.status !== 'down');
      const ready = this.#phase === 'ready' && healthy;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', phase: this.#phase, components: report });
    });
    this.app.get('/metrics', quiet, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  }
}
