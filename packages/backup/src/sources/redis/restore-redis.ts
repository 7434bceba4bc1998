import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BackupError, IntegrityError, RestoreWriteError, SourceError, TargetNotEmptyError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { runTool } from '../child-output';
import { openSnapshotFile } from '../restore-input';
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
  if (!options.overwrite && (await access(path).then(() => true, () => false))) throw new TargetNotEmptyError(path);
  const { stream } = await openSnapshotFile(repository, snapshotId, 'redis', RDB_FILE, options.signal);
  const temp = join(dir, `.${randomBytes(4).toString('hex')}.core-restore.rdb`);
  try {
    await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
    if (options.check !== false) {
      await runTool('redis-check-rdb', [temp]).catch((error: unknown) => {
        throw error instanceof SourceError ? new IntegrityError(`the restored RDB fails redis-check-rdb: ${error.message}`, { path }) : error;
      });
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof BackupError) throw error;
    throw new RestoreWriteError(path, { cause: error });
  }
  return { path };
}
