import { AbortedError, InvalidOptionsError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { runTool } from '../child-output';
import { openSnapshotFile } from '../restore-input';
import { connectionEnv, DUMP_FILE, pgTool } from './postgres-source';

/** Options of `restorePostgres`. */
export interface RestorePostgresOptions {
  /** Connection URL of the server; its database part names the database to create and restore into. */
  url: string;
  /** Restore into an existing empty database instead of creating it. */
  existing?: boolean;
  binDir?: string;
  signal?: AbortSignal;
}

/** Restores a `postgres` snapshot with pg_restore into a new database (created first; dropped again if the restore fails). */
export async function restorePostgres(repository: Repository, snapshotId: string, options: RestorePostgresOptions): Promise<{ database: string }> {
  const { env, database } = connectionEnv(options.url);
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(database)) throw new InvalidOptionsError(`database name "${database}" must be a plain identifier`);
  const { stream } = await openSnapshotFile(repository, snapshotId, 'postgres', DUMP_FILE, options.signal);
  const admin = { ...env, PGDATABASE: 'postgres' };
  const psql = pgTool('psql', options.binDir);
  const quoted = `"${database.replace(/"/g, '""')}"`;
  if (!options.existing) await runTool(psql, ['-XAtqc', `CREATE DATABASE ${quoted}`], { env: admin });
  try {
    await runTool(pgTool('pg_restore', options.binDir), ['--dbname', database, '--no-owner', '--exit-on-error', '--single-transaction'], { env, input: stream, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    stream.destroy();
    if (!options.existing) await runTool(psql, ['-XAtqc', `DROP DATABASE IF EXISTS ${quoted}`], { env: admin }).catch(() => undefined);
    if (options.signal?.aborted) throw new AbortedError('the restore was aborted; the new database was dropped');
    throw error;
  }
  return { database };
}
