import type { Lifecycle } from '@core/lifecycle';
import type { Logger } from 'pino';
import type { Component } from './component';
import { CacheComponent } from './components/cache-component';
import { DatabaseComponent } from './components/database-component';
import { MigrationsComponent } from './components/migrations-component';
import { MonitorComponent } from './components/monitor-component';
import { VectorComponent } from './components/vector-component';
import type { Config } from './config/config';
import { SchedulerComponent } from './components/scheduler-component';
import { profileJobs } from './jobs/profile-jobs';
import { lifecycleFor } from './lifecycle-for';

/** What `componentsFor` wires: the components in start order, and the parts the HTTP side reads. */
export interface Wiring {
  components: Component[];
  scheduler: SchedulerComponent;
  /** PostgreSQL profiles only. */
  monitor: MonitorComponent | undefined;
  database: DatabaseComponent;
  cache: CacheComponent;
  vectors: VectorComponent;
  /** The profile's lifecycle, made on first use (its jobs, the dashboard and the metrics share it). */
  lifecycle: () => Lifecycle;
}

/** The components the profile's configuration calls for, in start order, and the scheduler (last) and monitor (PostgreSQL profiles) among them. */
export function componentsFor(config: Config, logger: Logger): Wiring {
  const vectors = new VectorComponent(config.vectors, logger.child({ component: 'vectors' }));
  let made: Lifecycle | undefined;
  const lifecycle = () => (made ??= lifecycleFor(config));
  const scheduler = new SchedulerComponent(config, () => profileJobs(config, { vectors: () => vectors.store, lifecycle }), logger.child({ component: 'scheduler' }));
  const database = new DatabaseComponent(config.database, logger.child({ component: 'database' }), config.profile !== 'production');
  const cache = new CacheComponent(config.cache, logger.child({ component: 'cache' }));
  const monitor = config.database.kind === 'postgres' ? new MonitorComponent(config.database, logger.child({ component: 'monitor' })) : undefined;
  return {
    components: [
      new MigrationsComponent(config, logger.child({ component: 'migrations' })),
      database,
      cache,
      vectors,
      ...(monitor ? [monitor] : []),
      scheduler,
    ],
    scheduler,
    monitor,
    database,
    cache,
    vectors,
    lifecycle,
  };
}
