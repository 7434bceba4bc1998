import type { Registry } from 'prom-client';
import { breakerValue } from './breaker-value';
import { scrapeGroup } from './scrape-group';

/** One pool as `@core/repo`'s `stats()` reports it (read structurally: this package does not import @core/repo). */
export interface PoolSide {
  name: string;
  breaker: 'closed' | 'open' | 'half-open';
  pool: { total: number; idle: number; waiting: number; checkedOut: number; max: number; utilisation: number };
}

/** What the repo series read: `database.stats()` of `@core/repo`. */
export interface RepoStatsSource {
  stats(): { primary: PoolSide; replicas: Array<PoolSide & { lagMs: number | undefined; healthy: boolean }> };
}

/**
 * `@core/repo` pool and replica series, read from `stats()` at scrape time (no query): `core_repo_pool_connections{pool,state}`
 * (in_use, idle, waiting), `core_repo_pool_max_connections{pool}`, `core_repo_pool_utilisation_ratio{pool}` (what the
 * seed's 80 % rule reads), `core_repo_breaker_open{pool}` (1 open, 0.5 half-open, 0 closed),
 * `core_repo_replica_lag_seconds{replica}` (absent while unknown) and `core_repo_replica_healthy{replica}`.
 */
export function registerRepoMetrics(registry: Registry, source: RepoStatsSource): void {
  scrapeGroup(
    registry,
    {
      connections: { name: 'core_repo_pool_connections', help: 'Connections of a pool by state.', labelNames: ['pool', 'state'] },
      max: { name: 'core_repo_pool_max_connections', help: 'The most connections a pool opens.', labelNames: ['pool'] },
      utilisation: { name: 'core_repo_pool_utilisation_ratio', help: 'Share of a pool\'s connections in use (0-1).', labelNames: ['pool'] },
      breaker: { name: 'core_repo_breaker_open', help: 'Circuit breaker of an endpoint: 1 open, 0.5 half-open, 0 closed.', labelNames: ['pool'] },
      lag: { name: 'core_repo_replica_lag_seconds', help: 'Replay lag of a replica as the repo measured it, in seconds (absent while unknown).', labelNames: ['replica'] },
      healthy: { name: 'core_repo_replica_healthy', help: 'Whether reads are routed to a replica (1) or it is skipped (0).', labelNames: ['replica'] },
    },
    async (set) => {
      let stats: ReturnType<RepoStatsSource['stats']>;
      try {
        stats = source.stats();
      } catch {
        return; // not open yet (or closed): no series rather than a failed scrape
      }
      for (const side of [stats.primary, ...stats.replicas]) {
        const pool = side.name;
        set('connections', side.pool.checkedOut, { pool, state: 'in_use' });
        set('connections', side.pool.idle, { pool, state: 'idle' });
        set('connections', side.pool.waiting, { pool, state: 'waiting' });
        set('max', side.pool.max, { pool });
        set('utilisation', side.pool.max > 0 ? side.pool.checkedOut / side.pool.max : 0, { pool });
        set('breaker', breakerValue(side.breaker), { pool });
      }
      for (const replica of stats.replicas) {
        if (replica.lagMs !== undefined) set('lag', replica.lagMs / 1000, { replica: replica.name });
        set('healthy', replica.healthy ? 1 : 0, { replica: replica.name });
      }
    },
  );
}
