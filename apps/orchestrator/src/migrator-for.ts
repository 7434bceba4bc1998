import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator } from '@core/migrate';
import { PostgresDriver } from '@core/migrate/postgres';
import { SqliteDriver } from '@core/migrate/sqlite';
import type { Config } from './config/config';

/** The migration runner for the profile's database and migrations folder. */
export function migratorFor(config: Config, lock: { wait: boolean; timeoutMs: number } = { wait: true, timeoutMs: 60_000 }): Migrator {
  const driver =
    config.database.kind === 'postgres'
      ? new PostgresDriver({ connectionString: config.database.url })
      : (mkdirSync(dirname(config.database.file), { recursive: true }), new SqliteDriver({ database: config.database.file }));
  return new Migrator({ driver, directory: config.migrations.dir, lock });
}
