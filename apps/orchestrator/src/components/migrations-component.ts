import { MigrationError } from '@core/migrate';
import type { Logger } from 'pino';
import type { Component, ComponentHealth } from '../component';
import type { Config } from '../config/config';
import { migratorFor } from '../migrator-for';

/**
 * Applies pending migrations at start-up under the migration lock (when `MIGRATE_ON_START` is not
 * false). A migration problem (changed or missing file, failing migration, lock not obtained) does
 * not crash the process: readiness fails and names it, so no traffic reaches an unmigrated schema.
 */
export class MigrationsComponent implements Component {
  readonly name = 'migrations';
  #problem: string | undefined;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.config.migrations.onStart) return;
    const migrator = migratorFor(this.config);
    migrator.on('progress', (p) => p.event === 'migrated' && this.logger.info({ migration: p.name }, 'migration applied'));
    try {
      const applied = await migrator.up();
      this.logger.info({ applied: applied.length, dir: this.config.migrations.dir }, 'migrations up to date');
    } catch (error) {
      if (!(error instanceof MigrationError)) throw error;
      this.#problem = `${error.code}: ${error.message}`;
      this.logger.error({ code: error.code, err: error.message }, 'migrations not applied; readiness will fail');
    } finally {
      await migrator.close();
    }
  }

  async stop(): Promise<void> {}

  async health(): Promise<ComponentHealth> {
    return this.#problem ? { status: 'down', detail: this.#problem } : { status: 'up' };
  }
}
