/** One entry a source offers: a file (with its bytes), a folder (with its children) or a symlink. */
export interface SourceEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtimeMs: number;
  /** Bytes of a file; 0 for others. */
  size: number;
  /** Inode number, when the source has one (change detection). */
  inode?: number;
  /** Link target of a symlink, stored as it is and never followed. */
  target?: string;
  /** The bytes of a file. */
  read?(signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** The children of a folder. */
  children?(): Promise<SourceEntry[]>;
}

/** A source prepared for one backup run: its root folder, what produced it, and how to clean up. */
export interface OpenedSource {
  root: SourceEntry;
  /** Versions of the server or tool that produced the data (`postgres: 15.8`). */
  versions?: Record<string, string>;
  /** Bytes the backup is expected to read, when known up front (for the ETA). */
  expectedBytes?: Promise<number | undefined>;
  /** Names of files this source generates (dumps): their SHA-256 goes into the manifest. */
  generated?: boolean;
  /** Releases temp files, connections or child processes. */
  close(): Promise<void>;
}

/** What can be backed up: a small adapter per kind of data, its driver an optional peer. */
export interface BackupSource {
  /** `folder`, `sqlite`, `postgres`, `redis`, `vector`, `mongodb` … */
  readonly kind: string;
  /** What this source is of its kind (a path, a database name): snapshots are grouped by kind + identity. */
  readonly identity: string;
  /** Prepares a consistent view (a dump, an online copy) to read. */
  open(signal?: AbortSignal): Promise<OpenedSource>;
}

/** A folder entry whose children are given up front (for sources that generate a few files). */
export function folderOf(name: string, children: SourceEntry[], mtimeMs = Date.now()): SourceEntry {
  return { name, type: 'dir', mode: 0o755, mtimeMs, size: 0, children: () => Promise.resolve(children) };
}

/** A file entry whose bytes come from `read` (a dump tool's stdout, an export). */
export function generatedFile(name: string, read: (signal?: AbortSignal) => AsyncIterable<Uint8Array>, size = 0, mtimeMs = Date.now()): SourceEntry {
  return { name, type: 'file', mode: 0o644, mtimeMs, size, read };
}
