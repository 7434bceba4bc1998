import type { Logger } from 'pino';
import type { Component, ComponentHealth } from '../component';
import type { Config } from '../config/config';
import type { JobDefinition, RunState } from '../scheduler/job';
import { RunStore } from '../scheduler/run-store';
import { Scheduler } from '../scheduler/scheduler';
import { jobsSqlClient } from '../scheduler/jobs-database';
import type { SqlClient } from '../scheduler/sql-client';

/** Hooks the metrics use. */
export interface SchedulerObserver {
  onRunEnd?(job: string, state: RunState, seconds: number): void;
  onMissed?(job: string, count: number): void;
}

/** The scheduler as a component: started last (after the components its jobs use), stopped first, bounded drain. */
export class SchedulerComponent implements Component {
  readonly name = 'scheduler';
  #scheduler: Scheduler | undefined;
  #sql: SqlClient | undefined;

  readonly #observers: SchedulerObserver[] = [];

  constructor(
    private readonly config: Config,
    private readonly jobs: () => JobDefinition[],
    private readonly logger: Logger,
  ) {}

  /** Adds an observer of run ends and missed occurrences (the metrics). */
  observe(observer: SchedulerObserver): void {
    this.#observers.push(observer);
  }

  /** Whether the scheduler runs (metrics read it only then). */
  get running(): boolean {
    return this.#scheduler !== undefined;
  }

  /** The running scheduler (after `start`). */
  get scheduler(): Scheduler {
    if (!this.#scheduler) throw new Error('scheduler component is not started');
    return this.#scheduler;
  }

  async start(): Promise<void> {
    this.#sql = jobsSqlClient(this.config);
    this.#scheduler = new Scheduler({
      store: new RunStore(this.#sql),
      jobs: this.jobs(),
      logger: this.logger,
      leaseMs: this.config.jobs.leaseMs,
      onRunEnd: (job, state, seconds) => this.#observers.forEach((o) => o.onRunEnd?.(job, state, seconds)),
      onMissed: (job, count) => this.#observers.forEach((o) => o.onMissed?.(job, count)),
    });
    await this.#scheduler.start();
    this.logger.info({ jobs: (await this.#scheduler.status()).map((j) => j.name) }, 'scheduler started');
  }

  async stop(): Promise<void> {
    await this.#scheduler?.stop(Math.max(1_000, this.config.server.shutdownTimeoutMs - 2_000));
    await this.#sql?.close();
  }

  async health(): Promise<ComponentHealth> {
    return this.#scheduler ? { status: 'up' } : { status: 'down', detail: 'not started' };
  }
}
