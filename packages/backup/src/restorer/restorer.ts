import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, readdir, rename, rm, symlink, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decodeTree } from '../archiver/tree';
import type { TreeNode } from '../archiver/tree';
import { ProgressMeter } from '../archiver/progress';
import type { ProgressEvent } from '../archiver/progress';
import { AbortedError, BackupError, IntegrityError, NotFoundError, RestoreWriteError, TargetNotEmptyError } from '../errors';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';
import { assertSafeName } from './safe-path';

/** Options of `restore`. */
export interface RestoreOptions {
  /** Folder to restore into; created when missing. */
  target: string;
  /** Restore only this path of the snapshot (`/`-separated, relative to its root), kept at the same place under the target. */
  path?: string;
  /** Restore into a folder that already holds files (same-named files are replaced). */
  overwrite?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What a restore wrote. */
export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** Finds the node at `path` in a snapshot (undefined path = the root folder). */
export async function findNode(repository: Repository, snapshot: SnapshotRecord, path: string | undefined): Promise<TreeNode> {
  let node: TreeNode = { name: '', type: 'dir', mode: 0o755, mtimeMs: 0, size: 0, subtree: snapshot.tree };
  for (const segment of (path ?? '').split('/').filter(Boolean)) {
    if (node.type !== 'dir' || !node.subtree) throw new NotFoundError(`${path} is not in snapshot ${snapshot.id.slice(0, 8)}`);
    const child = decodeTree(await repository.readBlob(node.subtree)).nodes.find((n) => n.name === segment);
    if (!child) throw new NotFoundError(`${path} is not in snapshot ${snapshot.id.slice(0, 8)}`);
    node = child;
  }
  return node;
}

/** A file of a snapshot as a stream of its bytes, checked against its SHA-256 at the end (for database restores). */
export function readFile(repository: Repository, node: TreeNode, signal?: AbortSignal): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    for (const id of node.content ?? []) {
      if (signal?.aborted) throw new AbortedError('the restore was aborted');
      const blob = await repository.readBlob(id, { ...(signal ? { signal } : {}), wholePacks: true, checkId: !node.sha256 });
      hash.update(blob);
      yield blob;
    }
    if (node.sha256 && hash.digest('hex') !== node.sha256) throw new IntegrityError(`${node.name} does not match the SHA-256 in its snapshot`, { path: node.name });
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** Files restored at once within a folder. */
const FILE_CONCURRENCY = 2;
/** Bytes of decoded data a file restore may have waiting for the disk: decoding goes on while writes are in flight. */
const WRITE_BUFFER = 8 * 1024 * 1024;

class RestoreRun {
  readonly result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  readonly meter: ProgressMeter;

  constructor(
    private readonly repository: Repository,
    private readonly options: RestoreOptions,
  ) {
    this.meter = new ProgressMeter('restore', options.onProgress);
  }

  /** Makes `path` a real folder we own: an existing symlink or file there is replaced, never written through. */
  private async ensureDir(path: string): Promise<void> {
    const existing = await lstat(path).catch(() => undefined);
    if (existing && !existing.isDirectory()) await rm(path, { force: true });
    if (!existing?.isDirectory()) await mkdir(path);
  }

  async restoreNode(node: TreeNode, path: string, relative: string): Promise<void> {
    if (this.options.signal?.aborted) throw new AbortedError('the restore was aborted');
    if (node.type === 'dir') {
      await this.ensureDir(path);
      this.result.dirs++;
      const tree = decodeTree(await this.repository.readBlob(node.subtree!));
      const names = new Set<string>();
      for (const child of tree.nodes) {
        assertSafeName(child.name, relative);
        if (names.has(child.name)) throw new IntegrityError(`${relative}/${child.name} appears twice in its folder`, { path: relative });
        names.add(child.name);
      }
      // Files of a folder are written FILE_CONCURRENCY at a time (reads, decoding and writes overlap);
      // subfolders one after another, so the number of files in flight stays bounded.
      const files = tree.nodes.filter((child) => child.type === 'file');
      const others = tree.nodes.filter((child) => child.type !== 'file');
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const child = files[next++]!;
          await this.restoreNode(child, join(path, child.name), relative ? `${relative}/${child.name}` : child.name);
        }
      };
      await Promise.all(Array.from({ length: Math.min(FILE_CONCURRENCY, files.length) }, worker));
      for (const child of others) await this.restoreNode(child, join(path, child.name), relative ? `${relative}/${child.name}` : child.name);
      await chmod(path, node.mode || 0o755);
      if (node.mtimeMs) await utimes(path, node.mtimeMs / 1000, node.mtimeMs / 1000);
      return;
    }
    if (node.type === 'symlink') {
      await rm(path, { force: true, recursive: false }).catch(() => undefined);
      await symlink(node.target ?? '', path);
      await lutimes(path, node.mtimeMs / 1000, node.mtimeMs / 1000).catch(() => undefined);
      this.result.symlinks++;
      return;
    }
    await this.restoreFile(node, path, relative);
  }

  private async restoreFile(node: TreeNode, path: string, relative: string): Promise<void> {
    const temp = join(path, '..', `.${node.name.slice(0, 64)}.core-restore-${randomBytes(4).toString('hex')}`);
    const hash = createHash('sha256');
    const repository = this.repository;
    const meter = this.meter;
    const signal = this.options.signal;
    const content = node.content ?? [];
    async function* blobs(): AsyncGenerator<Buffer> {
      for (const [i, id] of content.entries()) {
        if (signal?.aborted) throw new AbortedError('the restore was aborted');
        repository.prefetch(content.slice(i + 1, i + 9));
        let blob: Buffer;
        try {
          blob = await repository.readBlob(id, { ...(signal ? { signal } : {}), wholePacks: true, checkId: !node.sha256 });
        } catch (error) {
          if (error instanceof IntegrityError) throw new IntegrityError(`${relative}: ${error.message}`, { ...error.where, path: relative }, { cause: error });
          throw error;
        }
        hash.update(blob);
        meter.bytes += blob.length;
        meter.tick(relative);
        yield blob;
      }
    }
    try {
      await pipeline(Readable.from(blobs()), createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER }));
      if (node.sha256 && hash.digest('hex') !== node.sha256) throw new IntegrityError(`${relative} does not match the SHA-256 in its snapshot`, { path: relative });
      await chmod(temp, node.mode || 0o644);
      await utimes(temp, node.mtimeMs / 1000, node.mtimeMs / 1000);
      const existing = await lstat(path).catch(() => undefined);
      if (existing?.isDirectory()) await rm(path, { recursive: true, force: true });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      if (error instanceof BackupError) throw error;
      throw new RestoreWriteError(relative, { cause: error });
    }
    this.result.files++;
    this.result.bytes += node.size;
    this.meter.files++;
  }
}

/**
 * Restores a snapshot (or one path of it) into a folder. Each file is written to a temp name, checked
 * against its SHA-256, then renamed into place; names are single path segments and folders are created
 * by the restore itself, so nothing lands outside the target (`..`, absolute names and symlinks in the
 * snapshot are refused or stored as links, never followed).
 */
export async function restore(repository: Repository, snapshotId: string, options: RestoreOptions): Promise<RestoreResult> {
  const snapshot = await repository.snapshot(snapshotId);
  const target = resolve(options.target);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new RestoreWriteError(target, { cause: error });
  });
  if (existing && existing.length > 0 && !options.overwrite) throw new TargetNotEmptyError(target);
  const node = await findNode(repository, snapshot, options.path);
  const run = new RestoreRun(repository, options);
  run.meter.totalBytes = snapshot.totals.bytesTotal;
  await mkdir(target, { recursive: true });
  const segments = (options.path ?? '').split('/').filter(Boolean);
  let destination = target;
  for (const segment of segments.slice(0, -1)) {
    assertSafeName(segment, '');
    destination = join(destination, segment);
    await mkdir(destination, { recursive: true });
  }
  const leaf = segments.at(-1);
  if (leaf !== undefined) assertSafeName(leaf, '');
  await run.restoreNode(node, leaf === undefined ? target : join(destination, leaf), segments.join('/'));
  run.meter.tick(undefined, true);
  return run.result;
}
