import type { DrillRecord } from '@core/backup';
import { drillPostgres, PG_BASE_KIND } from '@core/backup/postgres';
import { drillRedis } from '@core/backup/redis';
import { drillSqlite } from '@core/backup/sqlite';
import { openBackupRepository } from '../backup-repository-for';
import type { Config } from '../config/config';

/**
 * The weekly restore drill: for every kind the repository holds — PostgreSQL base backups, SQLite, Redis —
 * the newest backup is restored into scratch space, checked and recorded (RTO, newest restorable point).
 * The configured checks run on the PostgreSQL and SQLite copies. Fails when any drill fails.
 */
export async function runDrillJob(config: Config, signal?: AbortSignal): Promise<{ drills: Array<Pick<DrillRecord, 'kind' | 'ok' | 'rtoMs' | 'error'>> }> {
  const repository = await openBackupRepository(config);
  const kinds = new Set((await repository.snapshots()).map((s) => s.source.kind));
  const checks = config.file.backups.drills?.checks ?? [];
  const records: DrillRecord[] = [];
  const withSignal = signal ? { signal } : {};
  if (kinds.has(PG_BASE_KIND)) records.push(await drillPostgres(repository, { checks, ...withSignal }));
  if (kinds.has('sqlite')) records.push(await drillSqlite(repository, { checks, ...withSignal }));
  if (kinds.has('redis')) records.push(await drillRedis(repository, withSignal));
  const failed = records.filter((record) => !record.ok);
  if (failed.length > 0) throw new Error(`restore drill failed: ${failed.map((record) => `${record.kind}: ${record.error ?? record.checks.filter((c) => !c.ok).map((c) => `${c.name} ${c.message ?? ''}`).join('; ')}`).join(' | ')}`);
  return { drills: records.map(({ kind, ok, rtoMs }) => ({ kind, ok, rtoMs })) };
}
