import {
  AlertEvaluator,
  MemoryPressure,
  registerBackupMetrics,
  registerCacheMetrics,
  registerLifecycleMetrics,
  registerRepoMetrics,
  registerStorageMetrics,
  registerVectorMetrics,
} from '@core/monitor';
import { alertRulesFor } from './alert-rules-for';
import { BackupStatus } from './backup-status';
import { ComponentRegistry } from './component-registry';
import { registerDashboard } from './dashboard/dashboard-routes';
import type { Config } from './config/config';
import { redact } from './config/redact';
import { exitGracefullyOnSignals } from './graceful-shutdown';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { Service } from './service';
import { storageFor } from './storage-for';
import { componentsFor } from './wiring';

/** `core serve`: start the HTTP service and the profile's components; stop gracefully on signals. */
export async function serve(config: Config): Promise<Service> {
  const logger = createLogger(config.log.level);
  logger.info({ config: redact(config) }, 'starting');
  const components = new ComponentRegistry();
  const wiring = componentsFor(config, logger);
  for (const component of wiring.components) components.register(component);
  const metrics = createMetrics(components, wiring.scheduler);
  wiring.monitor?.attachMetrics(metrics.registry);
  registerRepoMetrics(metrics.registry, { stats: () => wiring.database.database.stats() });
  registerLifecycleMetrics(metrics.registry, { stats: () => wiring.lifecycle().stats() });
  registerCacheMetrics(metrics.registry, { stats: () => wiring.cache.cache.stats() });
  registerVectorMetrics(metrics.registry, { stats: () => wiring.vectors.store.stats() });
  registerStorageMetrics(metrics.registry, { stats: () => storageFor(config.storage).stats() });
  const backups = new BackupStatus(config);
  // A finished backup or drill changes what the repository holds: the next read lists it again.
  wiring.scheduler.observe({ onRunEnd: (job) => (job.startsWith('backup') ? backups.invalidate() : undefined) });
  registerBackupMetrics(metrics.registry, { latest: async () => backups.latest().then(({ latest, drills }) => ({ snapshots: latest, drills })) });
  // Heap against 85 % of V8's limit, read at every scrape (the alert evaluator's every 15 s included): under
  // pressure the cache sheds a quarter of its memory tier (L2 keeps the entries); the alert fires after 5 minutes.
  const shed = (): number => {
    try {
      return wiring.cache.cache.evictFraction(0.25);
    } catch {
      return 0; // the cache is not started yet
    }
  };
  new MemoryPressure({ onPressure: (reading) => logger.warn({ reasons: reading.reasons, evicted: shed() }, 'memory pressure: cache entries shed') }).registerMetrics(metrics.registry);
  const service = new Service({ host: config.server.host, port: config.server.port, components, metrics, logger });
  const alerts = new AlertEvaluator(metrics.registry, {
    groups: alertRulesFor(config),
    ...(config.alerts.webhookUrl ? { webhookUrl: config.alerts.webhookUrl } : {}),
    log: (message, fields) => logger.warn(fields, message),
  });
  registerDashboard(service.app, { config, components, scheduler: wiring.scheduler, monitor: wiring.monitor, alerts, lifecycle: wiring.lifecycle, backups });
  exitGracefullyOnSignals(service, { timeoutMs: config.server.shutdownTimeoutMs, logger });
  await service.start();
  alerts.start();
  return service;
}
