import { auditLogEntity, metricDataEntity, type Database, type DatabaseStats } from '@core/repo';
import { postgresDatabase } from '@core/repo/postgres';
import { sqliteDatabase } from '@core/repo/sqlite';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Component, ComponentHealth } from '../component';
import type { DatabaseConfig } from '../config/config';

/** A connection held longer than this is logged as a probable leak, checked as often. */
const LEAK_THRESHOLD_MS = 30_000;

/**
 * The database as a component: SQLite in development (tables created from the entities), PostgreSQL
 * with its replicas in production (tables from migrations). `/readyz` shows pool and breaker state.
 */
export class DatabaseComponent implements Component {
  readonly name = 'database';
  #db: Database | undefined;
  #leakWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: DatabaseConfig,
    private readonly logger: Logger,
    private readonly synchronize: boolean,
  ) {}

  /** The open database (after `start`). */
  get database(): Database {
    if (!this.#db) throw new Error('database component is not started');
    return this.#db;
  }

  async start(): Promise<void> {
    if (this.config.kind === 'sqlite') {
      await mkdir(dirname(this.config.file), { recursive: true });
      this.#db = await sqliteDatabase({ file: this.config.file, entities: [auditLogEntity('sqlite'), metricDataEntity('sqlite')], synchronize: this.synchronize });
    } else {
      this.#db = await postgresDatabase({
        url: this.config.url,
        replicaUrls: this.config.replicaUrls,
        entities: [auditLogEntity('postgres'), metricDataEntity('postgres')],
        synchronize: this.synchronize,
      });
    }
    this.logger.info({ dialect: this.#db.dialect, replicas: this.config.kind === 'postgres' ? this.config.replicaUrls.length : 0 }, 'database ready');
    this.#leakWatch = setInterval(() => this.reportLeaks(LEAK_THRESHOLD_MS), LEAK_THRESHOLD_MS).unref();
  }

  /** Logs every connection held longer than `thresholdMs`, with the stack that took it; returns how many. */
  reportLeaks(thresholdMs: number): number {
    const leaks = this.database.leaks(thresholdMs);
    for (const leak of leaks) this.logger.warn({ endpoint: leak.endpoint, heldMs: leak.heldMs, stack: leak.stack }, 'database connection held too long');
    return leaks.length;
  }

  async stop(): Promise<void> {
    if (this.#leakWatch) clearInterval(this.#leakWatch);
    await this.#db?.close();
  }

  async health(): Promise<ComponentHealth> {
    const health = await this.database.health();
    const detail = describeStats(this.database.stats());
    const degraded = this.database.stats().replicas.some((r) => !r.healthy);
    if (health.status === 'down') return { status: 'down', detail: `${health.detail ?? 'unreachable'}; ${detail}` };
    return { status: degraded ? 'degraded' : 'up', detail };
  }
}

/** One line: the primary's pool and breaker, then each replica's lag and breaker. */
export function describeStats(stats: DatabaseStats): string {
  const pool = (s: DatabaseStats['primary']) => `pool ${s.pool.checkedOut}/${s.pool.max} in use (${s.pool.utilisation} %), ${s.pool.idle} idle, ${s.pool.waiting} waiting, breaker ${s.breaker}`;
  const parts = [`primary: ${pool(stats.primary)}`];
  for (const r of stats.replicas) parts.push(`${r.name}: lag ${r.lagMs === undefined ? 'unknown' : `${Math.round(r.lagMs)} ms`}${r.healthy ? '' : ' (skipped)'}, ${pool(r)}`);
  return parts.join('; ');
}
