import { prune } from '@core/backup';
import { forgetPostgres, pgBaseBackup } from '@core/backup/postgres';
import type { ProgressEvent } from '@core/backup';
import { openBackupRepository } from '../backup-repository-for';
import type { Config } from '../config/config';
import { ConfigError } from '../errors';

/** The cluster `backups.postgres` backs up: `urlFrom`, else the profile's PostgreSQL. */
export function pgBaseUrl(config: Config): string {
  const settings = config.file.backups.postgres;
  const url = settings?.urlFrom ? process.env[settings.urlFrom] : config.database.kind === 'postgres' ? config.database.url : undefined;
  if (!url) throw new ConfigError(config.profile, [{ variable: 'CORE_CONFIG', message: 'backups.postgres.urlFrom: required when the profile\'s database is not PostgreSQL' }]);
  return url;
}

/** A base backup, then retention that keeps every second of `pitrWithin` restorable, then prune. */
export async function runPgBaseJob(config: Config, options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {}) {
  const settings = config.file.backups.postgres!;
  const repository = await openBackupRepository(config);
  const { snapshot } = await pgBaseBackup(repository, { url: pgBaseUrl(config), ...(settings.pagesPerChunk ? { pagesPerChunk: settings.pagesPerChunk } : {}), ...options });
  const report = await forgetPostgres(repository, { policy: settings.retention, pitrWithin: settings.pitrWithin });
  if (report.remove.length > 0) await prune(repository);
  return { snapshot: snapshot.id.slice(0, 8), bytesRead: snapshot.totals.bytesRead, bytesAdded: snapshot.totals.newBytesStored, forgotten: report.remove.length, walRemoved: report.walRemoved.length };
}
