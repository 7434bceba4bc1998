import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IntegrityError, SourceError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { runTool } from '../child-output';
import { openSnapshotFile } from '../restore-input';
import { assertRestorable, restoreToFile } from '../restore-to-file';
import { RDB_FILE } from './redis-source';

/** Options of `restoreRedis`. */
export interface RestoreRedisOptions {
  overwrite?: boolean;
  /** Run `redis-check-rdb` on the restored file (default true). */
  check?: boolean;
  signal?: AbortSignal;
}

/**
 * Restores a `redis` snapshot's RDB into `folder/dump.rdb`, checked with `redis-check-rdb`; start a server
 * on it with `redis-server --dir <folder> --dbfilename dump.rdb`.
 */
export async function restoreRedis(repository: Repository, snapshotId: string, folder: string, options: RestoreRedisOptions = {}): Promise<{ path: string }> {
  const dir = resolve(folder);
  const path = join(dir, RDB_FILE);
  await mkdir(dir, { recursive: true });
  await assertRestorable(path, options.overwrite);
  const { stream } = await openSnapshotFile(repository, snapshotId, 'redis', RDB_FILE, options.signal);
  await restoreToFile(stream, path, async (temp) => {
    if (options.check === false) return;
    await runTool('redis-check-rdb', [temp]).catch((error: unknown) => {
      throw error instanceof SourceError ? new IntegrityError(`the restored RDB fails redis-check-rdb: ${error.message}`, { path }) : error;
    });
  });
  return { path };
}
