import type { Logger } from 'pino';
import type { Component } from './component';
import { CacheComponent } from './components/cache-component';
import { DatabaseComponent } from './components/database-component';
import { MigrationsComponent } from './components/migrations-component';
import { VectorComponent } from './components/vector-component';
import type { Config } from './config/config';

/** The components the profile's configuration calls for, in start order. */
export function componentsFor(config: Config, logger: Logger): Component[] {
  return [
    new MigrationsComponent(config, logger.child({ component: 'migrations' })),
    new DatabaseComponent(config.database, logger.child({ component: 'database' }), config.profile !== 'production'),
    new CacheComponent(config.cache, logger.child({ component: 'cache' })),
    new VectorComponent(config.vectors, logger.child({ component: 'vectors' })),
  ];
}
