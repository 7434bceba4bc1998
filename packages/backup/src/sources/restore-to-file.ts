import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError, RestoreWriteError, TargetNotEmptyError } from '../errors';

/** Refuses an existing file at `path` unless `overwrite` (before anything is read or written). */
export async function assertRestorable(path: string, overwrite: boolean | undefined): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !overwrite) throw new TargetNotEmptyError(path);
}

/**
 * Writes a restored dump beside `path` under a temp name, runs `check` on the temp file, then renames it
 * into place; on any failure the temp file is removed and `path` is left as it was.
 */
export async function restoreToFile(stream: Readable, path: string, check: (temp: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(4).toString('hex')}.core-restore`);
  try {
    await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
    await check(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof BackupError) throw error;
    throw new RestoreWriteError(path, { cause: error });
  }
}
