import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SourceError } from '../../errors';
import type { BackupSource, OpenedSource } from '../source';
import { folderOf, generatedFile } from '../source';

/**
 * SQLite restarts an online backup whenever another connection writes to the source between two steps,
 * so a steadily written database is never copied in small steps. Copy 4,096 pages (16 MiB) per step
 * while nothing writes; after the first restart, copy everything left in one step (one read lock).
 */
function finishWhenRestarted(): (progress: { totalPages: number; remainingPages: number }) => number {
  let lastRemaining = Infinity;
  return ({ totalPages, remainingPages }) => {
    const restarted = remainingPages > lastRemaining;
    lastRemaining = remainingPages;
    return restarted ? totalPages : 4096;
  };
}

/** The database file's name inside a snapshot. */
export const SQLITE_FILE = 'database.sqlite';

/**
 * A live SQLite database, copied through SQLite's online backup API (better-sqlite3 `backup()`): writers
 * keep writing meanwhile and the copy is one consistent state (see `finishWhenRestarted`). The copy goes to a temp folder, is read
 * into the repository, then removed.
 */
export class SqliteSource implements BackupSource {
  readonly kind = 'sqlite';
  readonly identity: string;

  constructor(path: string) {
    this.identity = resolve(path);
  }

  /** Makes the online copy. */
  async open(): Promise<OpenedSource> {
    const folder = await mkdtemp(join(tmpdir(), 'core-backup-sqlite-'));
    const copy = join(folder, basename(SQLITE_FILE));
    let version: string;
    try {
      const db = new Database(this.identity, { readonly: true, fileMustExist: true });
      try {
        version = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
        await db.backup(copy, { progress: finishWhenRestarted() });
      } finally {
        db.close();
      }
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw new SourceError(`cannot copy the SQLite database ${this.identity}: ${(error as Error).message}`, { cause: error });
    }
    const info = await stat(copy);
    const file = generatedFile(
      SQLITE_FILE,
      async function* (signal) {
        for await (const piece of createReadStream(copy, { highWaterMark: 4 * 1024 * 1024, ...(signal ? { signal } : {}) })) yield piece as Buffer;
      },
      info.size,
    );
    return { root: folderOf('', [file]), versions: { sqlite: version }, generated: true, expectedBytes: Promise.resolve(info.size), close: () => rm(folder, { recursive: true, force: true }) };
  }
}
