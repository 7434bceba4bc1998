import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseWalName } from './wal-names';

/** Where `pushWal({ ahead })` leaves a note per segment it archived before PostgreSQL asked (default under the OS temp folder). */
export function defaultSpoolDir(): string {
  return join(tmpdir(), 'core-wal-spool');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Segments PostgreSQL has marked ready to archive (`pg_wal/archive_status/*.ready`) other than `path`'s, oldest first. */
export async function readySegments(path: string, limit: number): Promise<string[]> {
  const status = join(dirname(path), 'archive_status');
  const names = (await readdir(status).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.ready'))
    .map((name) => name.slice(0, -'.ready'.length))
    .filter((name) => name !== basename(path) && parseWalName(name)?.kind === 'segment')
    .sort();
  return names.slice(0, limit).map((name) => join(dirname(path), name));
}

/** Notes that `path` was archived with these bytes (after the repository accepted them). */
export async function notePushed(path: string, bytes: Buffer, spoolDir = defaultSpoolDir()): Promise<void> {
  await mkdir(spoolDir, { recursive: true });
  await writeFile(join(spoolDir, `${basename(path)}.ok`), sha256(bytes));
}

/**
 * Whether a run ahead already archived exactly these bytes: PostgreSQL's next `archive_command` for the
 * segment then succeeds without opening the repository (no key derivation, no storage round trip). The
 * note is removed; a note whose hash does not match is ignored and the segment is archived as usual.
 */
export async function pushedAhead(path: string, spoolDir = defaultSpoolDir()): Promise<boolean> {
  const note = join(spoolDir, `${basename(path)}.ok`);
  const expected = await readFile(note, 'utf8').catch(() => undefined);
  if (!expected) return false;
  const bytes = await readFile(path).catch(() => undefined);
  if (!bytes || sha256(bytes) !== expected.trim()) return false;
  await rm(note, { force: true });
  return true;
}
