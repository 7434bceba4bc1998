import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { SourceError } from '../../errors';
import type { BackupSource, OpenedSource, SourceEntry } from '../source';

/** Options of a folder source. */
export interface FolderSourceOptions {
  /** Globs (relative to the folder, `/`-separated) a path must match to be backed up; folders are always walked. */
  include?: string[];
  /** Globs of paths to leave out (a folder left out is not walked). */
  exclude?: string[];
}

/** Node's file types, from `lstat`. */
function entryType(stats: { isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean }): SourceEntry['type'] | undefined {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFile()) return 'file';
  return undefined; // sockets, fifos, devices: not backed up
}

/** Files, folders and symlinks of a folder on disk (symlinks stored, never followed), modes and mtimes. */
export class FolderSource implements BackupSource {
  readonly kind = 'folder';
  readonly identity: string;
  private readonly isIncluded: (path: string) => boolean;
  private readonly isExcluded: (path: string) => boolean;

  constructor(
    path: string,
    private readonly options: FolderSourceOptions = {},
  ) {
    this.identity = resolve(path);
    this.isIncluded = options.include?.length ? picomatch(options.include, { dot: true }) : () => true;
    this.isExcluded = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false;
  }

  /** Checks the folder exists and returns its root entry. */
  async open(): Promise<OpenedSource> {
    let stats;
    try {
      stats = await lstat(this.identity);
    } catch (error) {
      throw new SourceError(`cannot read the folder ${this.identity}: ${(error as Error).message}`, { cause: error });
    }
    if (!stats.isDirectory()) throw new SourceError(`${this.identity} is not a folder`);
    const root = this.dirEntry('', this.identity, '', stats);
    return { root, expectedBytes: this.measure(this.identity, '').catch(() => undefined), close: () => Promise.resolve() };
  }

  private dirEntry(name: string, path: string, relative: string, stats: { mode: number; mtimeMs: number; ino: number }): SourceEntry {
    return { name, type: 'dir', mode: stats.mode & 0o7777, mtimeMs: stats.mtimeMs, size: 0, inode: stats.ino, children: () => this.list(path, relative) };
  }

  private async list(path: string, relative: string): Promise<SourceEntry[]> {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      throw new SourceError(`cannot list ${path} (did the source disappear?): ${(error as Error).message}`, { cause: error });
    }
    const entries: SourceEntry[] = [];
    for (const name of names.sort()) {
      const childPath = join(path, name);
      const childRelative = relative ? `${relative}/${name}` : name;
      if (this.isExcluded(childRelative)) continue;
      let stats;
      try {
        stats = await lstat(childPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while we walked: not part of this snapshot
        throw new SourceError(`cannot read ${childPath}: ${(error as Error).message}`, { cause: error });
      }
      const type = entryType(stats);
      if (!type) continue;
      if (type === 'dir') {
        entries.push(this.dirEntry(name, childPath, childRelative, stats));
        continue;
      }
      if (!this.isIncluded(childRelative)) continue;
      const base = { name, type, mode: stats.mode & 0o7777, mtimeMs: stats.mtimeMs, size: type === 'file' ? stats.size : 0, inode: stats.ino };
      if (type === 'symlink') entries.push({ ...base, target: await readlink(childPath) });
      else entries.push({ ...base, read: (signal) => this.readFile(childPath, signal) });
    }
    return entries;
  }

  private async *readFile(path: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024, ...(signal ? { signal } : {}) });
    try {
      for await (const piece of stream) yield piece as Buffer;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new SourceError(`cannot read ${path} (did the source disappear?): ${(error as Error).message}`, { cause: error });
    }
  }

  private async measure(path: string, relative: string): Promise<number> {
    let total = 0;
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
      if (this.isExcluded(childRelative)) continue;
      if (entry.isDirectory()) total += await this.measure(join(path, entry.name), childRelative);
      else if (entry.isFile() && this.isIncluded(childRelative)) total += (await lstat(join(path, entry.name)).catch(() => ({ size: 0 }))).size;
    }
    return total;
  }
}
