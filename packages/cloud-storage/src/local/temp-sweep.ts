import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Temp files older than this are leftovers of a put whose process died (default one hour). */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Removes the temp files of puts that never finished (the process was killed mid-upload), skipping
 * folders (the trash has its own sweep) and files young enough to belong to a put still running in
 * another process.
 */
export async function sweepStaleTemps(dir: string, olderThanMs = STALE_TEMP_MS): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs > cutoff) continue;
    await rm(path, { force: true });
    removed++;
  }
  return removed;
}
