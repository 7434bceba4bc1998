import { hostname } from 'node:os';
import { chunkStream } from '../chunker/chunk-stream';
import { ChunkHasher } from '../crypto/chunk-hasher';
import { AbortedError, SourceError, UnsafePathError } from '../errors';
import type { Repository } from '../repository/repository';
import { localIsoTime } from '../repository/snapshot';
import type { Snapshot, SnapshotRecord, SnapshotTotals, SnapshotType } from '../repository/snapshot';
import type { BackupSource, SourceEntry } from '../sources/source';
import { PACKAGE_VERSION } from '../version';
import { ProgressMeter } from './progress';
import type { ProgressEvent } from './progress';
import { decodeTree, encodeTree } from './tree';
import type { Tree, TreeNode } from './tree';
import { assertSafeName } from '../restorer/safe-path';

/** Options of `backup`. */
export interface BackupOptions {
  /** `incremental` (default: parent = latest snapshot of the source), `differential` (parent = latest full) or `full` (no parent, reads everything). */
  type?: SnapshotType;
  tags?: string[];
  /** Host recorded in the manifest (default: this machine's hostname). */
  host?: string;
  /** Re-read every file even when size, mtime and inode match the parent's. */
  force?: boolean;
  /** An explicit parent snapshot id (overrides what `type` would pick). */
  parent?: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What a backup run did. */
export interface BackupResult {
  snapshot: SnapshotRecord;
  /** Paths skipped because they vanished or changed type during the run. */
  warnings: string[];
}

/** Files at least this large are hashed on a worker thread (smaller ones are not worth the round trips). */
const WORKER_FILE_BYTES = 4 * 1024 * 1024;
/** Chunks hashed ahead of the one being compressed and encrypted. */
const IN_FLIGHT = 4;

/** Picks the parent for change detection, per the snapshot type. */
export function chooseParent(snapshots: SnapshotRecord[], source: { kind: string; identity: string }, type: SnapshotType): SnapshotRecord | undefined {
  if (type === 'full') return undefined;
  const same = snapshots.filter((s) => s.source.kind === source.kind && s.source.identity === source.identity);
  const candidates = type === 'differential' ? same.filter((s) => s.type === 'full') : same;
  return candidates.at(-1);
}

/** One backup run: walks the source, stores new chunks and trees, then the snapshot (packs → index → snapshot). */
class BackupRun {
  readonly totals: SnapshotTotals = { files: 0, dirs: 0, bytesTotal: 0, bytesRead: 0, newBlobs: 0, newBytes: 0, newBytesStored: 0, dedupRatio: 1, compressionRatio: 1, durationMs: 0 };
  readonly warnings: string[] = [];
  readonly generated: Array<{ path: string; size: number; sha256: string }> = [];
  readonly meter: ProgressMeter;
  /** Plaintext bytes of data chunks this run stored (trees excluded): the denominator of the dedup ratio. */
  newDataBytes = 0;
  private worker: ChunkHasher | undefined;
  private readonly inlineHasher: ChunkHasher;

  /** The run's hashing worker, started with the first large file. */
  private hasher(): ChunkHasher {
    return (this.worker ??= new ChunkHasher(this.repository.keys.mac));
  }

  /** Stops the hashing worker. */
  close(): Promise<void> {
    return this.worker?.close() ?? Promise.resolve();
  }

  constructor(
    private readonly repository: Repository,
    private readonly options: BackupOptions,
    private readonly recordFiles: boolean,
  ) {
    this.meter = new ProgressMeter('backup', options.onProgress);
    this.inlineHasher = ChunkHasher.inline(repository.keys.mac);
  }

  private checkAbort(): void {
    if (this.options.signal?.aborted) throw new AbortedError('the backup was aborted; no snapshot was written');
  }

  private async loadTree(id: string | undefined): Promise<Map<string, TreeNode>> {
    if (!id || !this.repository.index.has(id)) return new Map();
    const tree = decodeTree(await this.repository.readBlob(id));
    return new Map(tree.nodes.map((node) => [node.name, node]));
  }

  /** Stores a folder and everything under it; resolves to its tree blob id. */
  async saveDir(entry: SourceEntry, path: string, parentTree: string | undefined): Promise<string> {
    this.checkAbort();
    const previous = await this.loadTree(parentTree);
    const children = await entry.children!();
    const nodes: TreeNode[] = [];
    const seen = new Set<string>();
    for (const child of children) {
      assertSafeName(child.name, path);
      if (seen.has(child.name)) throw new UnsafePathError(`${path}/${child.name}`);
      seen.add(child.name);
      const childPath = path ? `${path}/${child.name}` : child.name;
      const before = previous.get(child.name);
      const base = { name: child.name, type: child.type, mode: child.mode, mtimeMs: child.mtimeMs, size: child.size, ...(child.inode === undefined ? {} : { inode: child.inode }) };
      if (child.type === 'dir') {
        this.totals.dirs++;
        nodes.push({ ...base, size: 0, subtree: await this.saveDir(child, childPath, before?.type === 'dir' ? before.subtree : undefined) });
      } else if (child.type === 'symlink') {
        nodes.push({ ...base, target: child.target ?? '' });
      } else {
        const node = await this.saveFile(child, childPath, before);
        if (node) nodes.push(node);
      }
    }
    nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return (await this.repository.saveBlob('tree', encodeTree({ nodes } satisfies Tree))).id;
  }

  private unchanged(entry: SourceEntry, before: TreeNode | undefined): before is TreeNode & { content: string[] } {
    if (this.options.force || !before || before.type !== 'file' || !before.content) return false;
    if (before.size !== entry.size || before.mtimeMs !== entry.mtimeMs || (entry.inode !== undefined && before.inode !== entry.inode)) return false;
    return before.content.every((id) => this.repository.index.has(id));
  }

  private async saveFile(entry: SourceEntry, path: string, before: TreeNode | undefined): Promise<TreeNode | undefined> {
    this.checkAbort();
    const base = { name: entry.name, type: 'file' as const, mode: entry.mode, mtimeMs: entry.mtimeMs, ...(entry.inode === undefined ? {} : { inode: entry.inode }) };
    this.totals.files++;
    this.meter.files++;
    if (this.unchanged(entry, before)) {
      this.totals.bytesTotal += before.size;
      this.meter.bytes += before.size;
      this.meter.tick(path);
      return { ...base, size: before.size, content: before.content, ...(before.sha256 ? { sha256: before.sha256 } : {}) };
    }
    // Large files are hashed (blob ids and the file's SHA-256) on a worker thread while this thread
    // compresses and encrypts the chunks before them; up to IN_FLIGHT chunks wait in between.
    const hasher = entry.size >= WORKER_FILE_BYTES ? this.hasher() : this.inlineHasher;
    const file = hasher.openFile();
    const content: string[] = [];
    const queue: Array<{ chunk: Buffer; id: Promise<string> }> = [];
    let size = 0;
    const store = async (): Promise<void> => {
      const { chunk, id } = queue.shift()!;
      const saved = await this.repository.saveBlob('data', chunk, await id);
      content.push(saved.id);
      if (saved.isNew) this.newDataBytes += chunk.length;
      this.meter.bytes += chunk.length;
      this.meter.tick(path);
    };
    let sha256: string;
    try {
      for await (const chunk of chunkStream(entry.read!(this.options.signal), this.repository.config.chunker, this.repository.gear)) {
        this.checkAbort();
        size += chunk.length;
        const id = hasher.chunkId(file, chunk);
        id.catch(() => undefined); // awaited in order below; a failure after an abort must not go unhandled
        queue.push({ chunk, id });
        if (queue.length >= IN_FLIGHT) await store();
      }
      while (queue.length > 0) await store();
      sha256 = await hasher.fileSha256(file);
    } catch (error) {
      if (this.options.signal?.aborted || (error as Error).name === 'AbortError') throw new AbortedError('the backup was aborted; no snapshot was written');
      if (error instanceof SourceError && /ENOENT/.test(error.message) && entry.inode !== undefined) {
        this.warnings.push(`${path}: vanished during the backup, left out`);
        this.totals.files--;
        return undefined;
      }
      throw error;
    }
    this.totals.bytesRead += size;
    this.totals.bytesTotal += size;
    if (this.recordFiles) this.generated.push({ path, size, sha256 });
    return { ...base, size, content, sha256 };
  }
}

/**
 * Backs up `source` into `repository`: unchanged files (size + mtime + inode, against the parent the
 * snapshot type picks) are not read again, and every chunk already stored anywhere is not stored again.
 * Holds a shared lock, so backups run side by side and prune waits. Nothing is half-written: a failed
 * run leaves at most unreferenced packs, which `prune` removes.
 */
export function backup(repository: Repository, source: BackupSource, options: BackupOptions = {}): Promise<BackupResult> {
  return repository.serialWrites(() => runBackup(repository, source, options));
}

async function runBackup(repository: Repository, source: BackupSource, options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const lock = await repository.lock(false);
  try {
    const snapshots = await repository.snapshots();
    const requested = options.type ?? 'incremental';
    const parent = options.parent ? await repository.snapshot(options.parent) : chooseParent(snapshots, source, requested);
    const type: SnapshotType = parent || requested === 'full' ? requested : 'full';
    const opened = await source.open(options.signal);
    try {
      const before = repository.writeStats();
      const run = new BackupRun(repository, options, opened.generated === true);
      void opened.expectedBytes?.then((total) => {
        run.meter.totalBytes = total;
      });
      const tree = await run.saveDir(opened.root, '', parent?.tree).finally(() => run.close());
      await repository.flush();
      const after = repository.writeStats();
      const totals = run.totals;
      totals.newBlobs = after.newBlobs - before.newBlobs;
      totals.newBytes = after.newBytes - before.newBytes;
      totals.newBytesStored = after.newBytesStored - before.newBytesStored;
      totals.dedupRatio = run.newDataBytes > 0 ? totals.bytesRead / run.newDataBytes : 1;
      totals.compressionRatio = totals.newBytesStored > 0 ? totals.newBytes / totals.newBytesStored : 1;
      totals.durationMs = Date.now() - started;
      const snapshot: Snapshot = {
        time: localIsoTime(new Date(started)),
        host: options.host ?? hostname(),
        source: { kind: source.kind, identity: source.identity },
        tags: [...new Set(options.tags ?? [])].sort(),
        type,
        parent: parent?.id,
        tree,
        totals,
        versions: { '@core/backup': PACKAGE_VERSION, node: process.versions.node, ...(opened.versions ?? {}) },
        ...(opened.generated ? { files: run.generated } : {}),
      };
      const id = await repository.saveSnapshot(snapshot);
      run.meter.tick(undefined, true);
      return { snapshot: { ...snapshot, id }, warnings: run.warnings };
    } catch (error) {
      await repository.discardPending();
      throw error;
    } finally {
      await opened.close();
    }
  } finally {
    await lock.release().catch(() => undefined);
  }
}
