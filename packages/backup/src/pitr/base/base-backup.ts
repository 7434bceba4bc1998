import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { chooseParent } from '../../archiver/archiver';
import { ProgressMeter } from '../../archiver/progress';
import type { ProgressEvent } from '../../archiver/progress';
import { ChunkHasher } from '../../crypto/chunk-hasher';
import { AbortedError, InvalidOptionsError, SourceError, UnsafePathError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { localIsoTime } from '../../repository/snapshot';
import type { PgBaseInfo, Snapshot, SnapshotRecord, SnapshotTotals, SnapshotType } from '../../repository/snapshot';
import { assertSafeName } from '../../restorer/safe-path';
import { toolOutput } from '../../sources/child-output';
import { connectionEnv, pgTool } from '../../sources/postgres/postgres-source';
import { PACKAGE_VERSION } from '../../version';
import { formatLsn } from '../lsn';
import { segmentName, segmentOf } from '../wal/wal-names';
import { parseBaseBackupWal } from './backup-label';
import { storeFile } from './page-chunks';
import { TreeBuilder } from './tree-builder';

/** PostgreSQL's page size: base backup chunks are whole pages. */
export const PAGE_BYTES = 8192;

/** The snapshot kind of a base backup (its identity is the cluster's system identifier). */
export const PG_BASE_KIND = 'pg-base';

/** Options of `pgBaseBackup`. */
export interface PgBaseBackupOptions {
  /** `postgres://user@host:port/postgres` of the cluster (a user with the REPLICATION attribute). */
  url: string;
  /** Which earlier base backup the snapshot records as its parent; every type stores only pages not already stored. */
  type?: SnapshotType;
  /** Pages per chunk (default 4 = 32 KiB): smaller finds more unchanged pages, larger keeps the index small. */
  pagesPerChunk?: number;
  /** `fast` (default) asks for an immediate checkpoint; `spread` waits for the scheduled one. */
  checkpoint?: 'fast' | 'spread';
  /** Kill pg_basebackup when it sends nothing for this long (default 120 s: a stalled server, a lost network). */
  idleTimeoutMs?: number;
  binDir?: string;
  tags?: string[];
  host?: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What a base backup stored. */
export interface PgBaseBackupResult {
  snapshot: SnapshotRecord & { postgres: PgBaseInfo };
}

/** Files whose bytes the snapshot's metadata is read from. */
const KEPT_FILES = new Set(['backup_label', 'backup_manifest', 'global/pg_control', 'PG_VERSION']);

function safePath(name: string): string {
  const path = name.replace(/^\.\//, '').replace(/\/+$/, '');
  for (const segment of path.split('/')) assertSafeName(segment, path);
  if (!path) throw new UnsafePathError(name);
  return path;
}

/**
 * Takes a base backup of a running cluster into `repository`: `pg_basebackup` streams one tar (`-Ft -D -`,
 * `-Xnone`, SHA-256 manifest) and every file is stored in fixed chunks of whole pages, so pages unchanged since
 * any earlier backup are not stored again. The WAL comes from the archive (`pushWal`); `backup_label` and
 * `backup_manifest` are kept in the snapshot, so a restore is one pass and `pg_verifybackup` can check it.
 */
export async function pgBaseBackup(repository: Repository, options: PgBaseBackupOptions): Promise<PgBaseBackupResult> {
  const pages = options.pagesPerChunk ?? 4;
  if (!Number.isInteger(pages) || pages < 1 || pages > 1024) throw new InvalidOptionsError('pagesPerChunk must be a whole number from 1 to 1024');
  const { env } = connectionEnv(options.url);
  return repository.serialWrites(async () => {
    const lock = await repository.lock(false);
    try {
      return await runBaseBackup(repository, options, pages * PAGE_BYTES, env);
    } catch (error) {
      await repository.discardPending();
      throw error;
    } finally {
      await lock.release().catch(() => undefined);
    }
  });
}

async function runBaseBackup(repository: Repository, options: PgBaseBackupOptions, chunkBytes: number, env: Record<string, string>): Promise<PgBaseBackupResult> {
  const started = new Date();
  const args = ['-D', '-', '-Ft', '-Xnone', '--manifest-checksums=SHA256', `--checkpoint=${options.checkpoint ?? 'fast'}`, '--no-password', '-l', `@core/backup ${started.toISOString()}`];
  const output = toolOutput(pgTool('pg_basebackup', options.binDir), args, { env, idleTimeoutMs: options.idleTimeoutMs ?? 120_000, ...(options.signal ? { signal: options.signal } : {}) });
  const extract = tarExtract();
  const piped = pipeline(Readable.from(output), extract);
  piped.catch(() => undefined);
  const before = repository.writeStats();
  const meter = new ProgressMeter('backup', options.onProgress);
  const tree = new TreeBuilder();
  const kept = new Map<string, Buffer>();
  const totals: SnapshotTotals = { files: 0, dirs: 0, bytesTotal: 0, bytesRead: 0, newBlobs: 0, newBytes: 0, newBytesStored: 0, dedupRatio: 1, compressionRatio: 1, durationMs: 0 };
  let newDataBytes = 0;
  const hashers = { inline: ChunkHasher.inline(repository.keys.mac), worker: undefined as ChunkHasher | undefined, macKey: repository.keys.mac };
  try {
    for await (const entry of extract) {
      if (options.signal?.aborted) throw new AbortedError('the base backup was aborted; no snapshot was written');
      const header = entry.header;
      const path = safePath(header.name);
      const mtimeMs = (header.mtime ?? started).getTime();
      const mode = (header.mode ?? 0o600) & 0o7777;
      if (header.type === 'directory') {
        tree.addDir(path, mode, mtimeMs);
        entry.resume();
      } else if (header.type === 'symlink') {
        tree.add(path, { name: path.slice(path.lastIndexOf('/') + 1), type: 'symlink', mode, mtimeMs, size: 0, target: header.linkname ?? '' });
        entry.resume();
      } else if (header.type === 'file') {
        const keep = KEPT_FILES.has(path);
        const stored = await storeFile(repository, entry as AsyncIterable<Buffer>, header.size ?? 0, chunkBytes, hashers, keep, (bytes, isNew) => {
          if (isNew) newDataBytes += bytes;
          meter.bytes += bytes;
          meter.tick(path);
        });
        if (stored.kept) kept.set(path, stored.kept);
        totals.files++;
        totals.bytesRead += stored.size;
        meter.files++;
        tree.add(path, { name: path.slice(path.lastIndexOf('/') + 1), type: 'file', mode, mtimeMs, size: stored.size, content: stored.content, sha256: stored.sha256 });
      } else {
        entry.resume();
      }
    }
    await piped;
  } catch (error) {
    const toolError = await piped.then(() => undefined, (failure: unknown) => failure);
    if (options.signal?.aborted) throw new AbortedError('the base backup was aborted; no snapshot was written');
    throw toolError ?? error;
  } finally {
    await hashers.worker?.close();
  }
  const label = kept.get('backup_label')?.toString('utf8');
  const manifest = kept.get('backup_manifest')?.toString('utf8');
  const control = kept.get('global/pg_control');
  if (!label || !manifest || !control) throw new SourceError('pg_basebackup sent no backup_label, backup_manifest or global/pg_control: is this PostgreSQL 13 or newer?');
  const wal = parseBaseBackupWal(label, manifest);
  const { root, dirs } = await tree.save(repository);
  await repository.flush();
  const stopped = new Date();
  const after = repository.writeStats();
  totals.dirs = dirs;
  totals.bytesTotal = totals.bytesRead;
  totals.newBlobs = after.newBlobs - before.newBlobs;
  totals.newBytes = after.newBytes - before.newBytes;
  totals.newBytesStored = after.newBytesStored - before.newBytesStored;
  totals.dedupRatio = newDataBytes > 0 ? totals.bytesRead / newDataBytes : 1;
  totals.compressionRatio = totals.newBytesStored > 0 ? totals.newBytes / totals.newBytesStored : 1;
  totals.durationMs = stopped.getTime() - started.getTime();
  const systemId = control.readBigUInt64LE(0).toString();
  const postgres: PgBaseInfo = {
    systemId,
    timeline: wal.timeline,
    startLsn: formatLsn(wal.startLsn),
    endLsn: formatLsn(wal.endLsn),
    startWal: wal.startWal,
    endWal: segmentName(wal.timeline, segmentOf(wal.endLsn, wal.segmentBytes), wal.segmentBytes),
    segmentBytes: wal.segmentBytes,
    startTime: started.toISOString(),
    stopTime: stopped.toISOString(),
    pgVersion: kept.get('PG_VERSION')?.toString('utf8').trim() ?? 'unknown',
  };
  const source = { kind: PG_BASE_KIND, identity: systemId };
  const requested = options.type ?? 'incremental';
  const parent = chooseParent(await repository.snapshots(), source, requested);
  const snapshot: Snapshot = {
    time: localIsoTime(started),
    host: options.host ?? hostname(),
    source,
    tags: [...new Set(options.tags ?? [])].sort(),
    type: parent || requested === 'full' ? requested : 'full',
    parent: parent?.id,
    tree: root,
    totals,
    versions: { '@core/backup': PACKAGE_VERSION, node: process.versions.node, postgres: postgres.pgVersion },
    postgres,
  };
  const id = await repository.saveSnapshot(snapshot);
  meter.tick(undefined, true);
  return { snapshot: { ...snapshot, id, postgres } };
}
