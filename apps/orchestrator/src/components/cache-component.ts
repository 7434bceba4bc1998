import { Cache } from '@core/cache';
import { redisBus, redisTier } from '@core/cache/redis';
import type { Logger } from 'pino';
import type { Component, ComponentHealth } from '../component';
import type { CacheConfig } from '../config/config';

/** The cache as a component: memory only, or memory + Redis with the invalidation bus. */
export class CacheComponent implements Component {
  readonly name = 'cache';
  #cache: Cache | undefined;

  constructor(
    private readonly config: CacheConfig,
    private readonly logger: Logger,
  ) {}

  /** The running cache (after `start`). */
  get cache(): Cache {
    if (!this.#cache) throw new Error('cache component is not started');
    return this.#cache;
  }

  async start(): Promise<void> {
    if (this.config.kind === 'memory') {
      this.#cache = new Cache();
      return;
    }
    const onError = (error: Error) => this.logger.warn({ err: error.message }, 'redis connection error');
    const l2 = redisTier({ url: this.config.redisUrl }).on('error', onError);
    l2.on('breaker', (state) => this.logger.warn({ state }, 'redis circuit breaker changed state'));
    // Not waiting for Redis here on purpose: the cache serves from memory while Redis is away.
    this.#cache = new Cache({ l2, bus: redisBus(l2, { onError }) });
  }

  async stop(): Promise<void> {
    await this.#cache?.close();
  }

  async health(): Promise<ComponentHealth> {
    const health = await this.cache.health();
    return health.detail === undefined ? { status: health.status } : { status: health.status, detail: health.detail };
  }
}
