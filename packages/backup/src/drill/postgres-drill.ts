import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '../repository/repository';
import { PG_BASE_KIND } from '../pitr/base/base-backup';
import { defaultRunAs, giveTo, runServerTool, serverBinDir } from '../pitr/recovery/pg-server';
import { pgBaseSnapshots } from '../pitr/recovery/base-choice';
import { recoverPostgres } from '../pitr/recovery/recover';
import type { RecoverPostgresResult } from '../pitr/recovery/recover';
import { DrillRun, runQueryCheck } from './drill-record';
import type { DrillQuery, DrillRecord } from './drill-record';

/** Options of `drillPostgres`. */
export interface PostgresDrillOptions {
  systemId?: string;
  /** Queries to run on the recovered copy (row counts, a checksum of a key table). */
  checks?: DrillQuery[];
  /** Role to connect as (the source cluster's superuser; default `postgres`). */
  superuser?: string;
  binDir?: string;
  runAs?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A restore drill: recovers the latest base backup and all archived WAL into a scratch data directory on a
 * free loopback port (local-socket trust only, archiving off), checks the base with `pg_verifybackup` and the
 * result with `pg_amcheck`, runs the caller's checks, stops and removes the scratch cluster, and records the
 * measured RTO and the newest point proven restorable in the repository. Resolves to the record, failed or not.
 */
export async function drillPostgres(repository: Repository, options: PostgresDrillOptions = {}): Promise<DrillRecord> {
  const bases = await pgBaseSnapshots(repository, options.systemId).catch(() => []);
  const systemId = options.systemId ?? bases[0]?.postgres.systemId ?? 'unknown';
  const run = new DrillRun(repository, 'postgres', { kind: PG_BASE_KIND, identity: systemId });
  const scratch = await mkdtemp(join(tmpdir(), 'core-drill-'));
  const user = options.runAs ?? defaultRunAs();
  let recovered: RecoverPostgresResult | undefined;
  try {
    await giveTo(user, scratch);
    const dataDir = join(scratch, 'data');
    recovered = await recoverPostgres(repository, {
      dataDir,
      ...(options.systemId ? { systemId: options.systemId } : {}),
      trustLocalOnly: true,
      verifyBackup: true,
      ...(options.binDir ? { binDir: options.binDir } : {}),
      ...(user ? { runAs: user } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    run.snapshot = recovered.snapshot.id;
    run.checks.push({ name: 'pg_verifybackup', ok: true, value: 'ok' });
    const bin = serverBinDir(recovered.snapshot.postgres.pgVersion, options.binDir);
    const connect = ['-h', dataDir, '-p', String(recovered.port), '-U', options.superuser ?? 'postgres'];
    try {
      await runServerTool(bin, 'pg_amcheck', [...connect, '--all', '--install-missing', '--no-password'], { user });
      run.checks.push({ name: 'pg_amcheck', ok: true, value: 'ok' });
    } catch (error) {
      run.checks.push({ name: 'pg_amcheck', ok: false, message: (error as Error).message });
    }
    run.restored();
    const execute = async (sql: string) => (await runServerTool(bin, 'psql', ['-XAtq', ...connect, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { user })).trim().split('\n')[0] ?? '';
    for (const query of options.checks ?? []) await runQueryCheck(run, query, execute);
    run.newestRestorable = { ...(recovered.reached.lastTransactionTime ? { time: recovered.reached.lastTransactionTime } : {}), ...(recovered.reached.redoDoneAt ? { lsn: recovered.reached.redoDoneAt } : {}) };
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    await recovered?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
