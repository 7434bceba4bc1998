import type { VectorStore } from '@core/vector';
import type { Logger } from 'pino';
import type { Component, ComponentHealth } from '../component';
import type { VectorConfig } from '../config/config';
import { vectorsFor } from '../vectors-for';

/** The vector store as a component: opened at start, health in `/readyz`, closed (checkpointed) at stop. */
export class VectorComponent implements Component {
  readonly name = 'vectors';
  #store: VectorStore | undefined;

  constructor(
    private readonly config: VectorConfig,
    private readonly logger: Logger,
  ) {}

  /** The running store (after `start`). */
  get store(): VectorStore {
    if (!this.#store) throw new Error('vector component is not started');
    return this.#store;
  }

  async start(): Promise<void> {
    this.#store = vectorsFor(this.config, { sweep: true });
    this.logger.info({ backend: this.config.kind }, 'vector store ready');
  }

  async stop(): Promise<void> {
    await this.#store?.close();
  }

  async health(): Promise<ComponentHealth> {
    const health = await this.store.health();
    return health.detail === undefined ? { status: health.status } : { status: health.status, detail: health.detail };
  }
}
