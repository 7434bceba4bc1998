import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { IntegrityError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { openSnapshotFile } from '../restore-input';
import { assertRestorable, restoreToFile } from '../restore-to-file';
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
  await assertRestorable(path, options.overwrite);
  const { stream } = await openSnapshotFile(repository, snapshotId, 'sqlite', SQLITE_FILE, options.signal);
  await restoreToFile(stream, path, async (temp) => {
    const db = new Database(temp, { readonly: true });
    let result: string;
    try {
      result = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    } finally {
      db.close();
    }
    if (result !== 'ok') throw new IntegrityError(`the restored database fails PRAGMA integrity_check: ${result}`, { path });
  });
  return { path, integrity: 'ok' };
}
