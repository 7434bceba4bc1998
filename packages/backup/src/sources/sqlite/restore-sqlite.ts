import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { BackupError, IntegrityError, RestoreWriteError, TargetNotEmptyError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { openSnapshotFile } from '../restore-input';
import { SQLITE_FILE } from './sqlite-source';

/** Options of `restoreSqlite`. */
export interface RestoreSqliteOptions {
  /** Replace an existing file at the target. */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** Restores a `sqlite` snapshot to `target`: written to a temp name, `PRAGMA integrity_check`ed, then renamed into place. */
export async function restoreSqlite(repository: Repository, snapshotId: string, target: string, options: RestoreSqliteOptions = {}): Promise<{ path: string; integrity: 'ok' }> {
  const path = resolve(target);
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !options.overwrite) throw new TargetNotEmptyError(path);
  const { stream } = await openSnapshotFile(repository, snapshotId, 'sqlite', SQLITE_FILE, options.signal);
  const temp = join(dirname(path), `.${randomBytes(4).toString('hex')}.core-restore.sqlite`);
  try {
    await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
    const db = new Database(temp, { readonly: true });
    let result: string;
    try {
      result = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    } finally {
      db.close();
    }
    if (result !== 'ok') throw new IntegrityError(`the restored database fails PRAGMA integrity_check: ${result}`, { path });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof BackupError) throw error;
    throw new RestoreWriteError(path, { cause: error });
  }
  return { path, integrity: 'ok' };
}
