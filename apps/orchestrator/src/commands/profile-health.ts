import { HealthRegistry, type HealthReport } from '@core/monitor';
import pino from 'pino';
import { BackupStatus } from '../backup-status';
import type { Component } from '../component';
import { CacheComponent } from '../components/cache-component';
import { DatabaseComponent } from '../components/database-component';
import { VectorComponent } from '../components/vector-component';
import type { Config } from '../config/config';
import { storageFor } from '../storage-for';

const CHECK_TIMEOUT_MS = 5_000;

/**
 * `core monitor check`: the profile's services checked once from this process, without starting the
 * service — the database, cache, vector store and object store (critical: database and object store) and the
 * backup repository (its newest snapshot) — each within 5 s, through @core/monitor's HealthRegistry.
 */
export async function profileHealth(config: Config): Promise<HealthReport> {
  const logger = pino({ level: 'silent' });
  const components: Component[] = [
    new DatabaseComponent(config.database, logger, config.profile !== 'production'),
    new CacheComponent(config.cache, logger),
    new VectorComponent(config.vectors, logger),
  ];
  const starts: Array<Promise<void>> = [];
  const registry = new HealthRegistry();
  for (const component of components) {
    registry.register({
      name: component.name,
      critical: component.name === 'database',
      timeoutMs: CHECK_TIMEOUT_MS,
      run: async () => {
        const start = component.start();
        const health = start.then(() => component.health());
        // Stopped once its check is over, even when the check gave up first (a start that finishes later is not left open).
        const stop = () => component.stop();
        starts.push(health.then(stop, () => start.then(stop, () => undefined)).catch(() => undefined));
        return health;
      },
    });
  }
  const storage = storageFor(config.storage);
  registry.register({ name: 'storage', timeoutMs: CHECK_TIMEOUT_MS, run: async (signal) => (await storage.list({ pageSize: 1, signal }), { status: 'up', detail: storage.name }) });
  registry.register({
    name: 'backups',
    critical: false,
    timeoutMs: CHECK_TIMEOUT_MS,
    run: async () => {
      const { latest } = await new BackupStatus(config).latest();
      if (latest.length === 0) return { status: 'degraded', detail: 'no snapshot yet' };
      const newest = Math.max(...latest.map((s) => Date.parse(s.time)));
      return { status: 'up', detail: `${latest.length} source(s), newest snapshot ${Math.round((Date.now() - newest) / 60_000)} min ago` };
    },
  });
  try {
    return await registry.report();
  } finally {
    // Waits for the stops of what started, not for a start that still hangs (its stop follows when it ends).
    await Promise.race([Promise.all(starts), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
}
