import { randomInt } from 'node:crypto';
import { ProgressMeter } from '../archiver/progress';
import type { ProgressEvent } from '../archiver/progress';
import { BackupError, InvalidOptionsError } from '../errors';
import { decodeBlob } from '../repository/blob-codec';
import { fileKey, LEDGER_NAME } from '../repository/layout';
import type { IndexFile } from '../repository/master-index';
import { MasterIndex } from '../repository/master-index';
import { readPackHeader } from '../repository/pack-writer';
import type { Repository } from '../repository/repository';
import type { Snapshot, SnapshotRecord } from '../repository/snapshot';
import { checkWal } from '../pitr/wal/wal-check';
import { collectUsedBlobs } from '../walker/used-blobs';

/** Options of `verify`. */
export interface VerifyOptions {
  /** Also download packs and check every blob: `true` for all, `{ subset: '2/5' }` for one fifth by pack id, `{ percent: 10 }` for a share, least recently read first. */
  readData?: boolean | { subset: string } | { percent: number };
  onProgress?: (event: ProgressEvent) => void;
}

/** One problem `verify` found; `pack`, `blob`, `snapshot` and `path` say where. */
export interface VerifyProblem {
  kind: 'index' | 'pack-missing' | 'pack-size' | 'pack-damaged' | 'blob-damaged' | 'snapshot' | 'missing-blob' | 'wal-missing' | 'wal-damaged';
  message: string;
  /** The repository object (archived WAL). */
  object?: string;
  pack?: string;
  blob?: string;
  snapshot?: string;
  path?: string;
}

/** What `verify` checked and found. */
export interface VerifyReport {
  ok: boolean;
  errors: VerifyProblem[];
  /** Not errors: packs no index lists (left by an interrupted run; `prune` removes them). */
  warnings: string[];
  snapshots: number;
  packs: number;
  blobs: number;
  packsRead: number;
  bytesRead: number;
  /** Archived WAL files of the clusters with base backups, and how many were read. */
  walFiles: number;
  walRead: number;
}

interface Ledger {
  read: Record<string, string>;
  /** WAL files read, by the first 16 hex digits of their keyed hash. */
  walRead?: Record<string, string>;
}

function selectPacks(all: string[], readData: VerifyOptions['readData'], ledger: Ledger): string[] {
  if (!readData) return [];
  if (readData === true) return all;
  if ('subset' in readData) {
    const match = /^(\d+)\/(\d+)$/.exec(readData.subset);
    const n = Number(match?.[1]);
    const t = Number(match?.[2]);
    if (!match || n < 1 || t < 1 || n > t) throw new InvalidOptionsError(`readData.subset must be n/t with 1 ≤ n ≤ t (got "${readData.subset}")`);
    // Packs are split into t groups by their id's leading bytes, so the groups 1/t … t/t cover everything once.
    return all.filter((id) => Number.parseInt(id.slice(0, 8), 16) % t === n - 1);
  }
  const percent = readData.percent;
  if (!(percent > 0 && percent <= 100)) throw new InvalidOptionsError(`readData.percent must be in (0, 100] (got ${String(percent)})`);
  const count = Math.max(1, Math.ceil((all.length * percent) / 100));
  const shuffled = [...all];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  // Never-read packs first, then the ones read longest ago: repeated partial checks cover the repository.
  shuffled.sort((a, b) => (ledger.read[a] ?? '').localeCompare(ledger.read[b] ?? ''));
  return shuffled.slice(0, count);
}

/**
 * Checks a repository like `restic check`: every index file decodes; every indexed pack exists with its
 * size; every snapshot decodes and every tree and data blob it references is indexed; every PostgreSQL base
 * backup's WAL chain is complete to the newest archived segment (gaps named); with `readData`,
 * packs (and archived WAL) are downloaded and each blob is authenticated, decompressed and matched against its id. Read
 * packs are recorded in a ledger so `{ percent }` checks move on to unread packs next time.
 */
export async function verify(repository: Repository, options: VerifyOptions = {}): Promise<VerifyReport> {
  const lock = await repository.lock(false);
  const errors: VerifyProblem[] = [];
  const warnings: string[] = [];
  const meter = new ProgressMeter('verify', options.onProgress);
  try {
    const store = repository.store;
    const indexFiles: Array<{ id: string; file: IndexFile }> = [];
    for (const { id } of await store.list('index')) {
      try {
        const bytes = await store.getFile('index', id);
        if (bytes) indexFiles.push({ id, file: repository.files.decode<IndexFile>('index', bytes, id) });
      } catch (error) {
        if (!(error instanceof BackupError) || error.code !== 'BACKUP_INTEGRITY') throw error;
        errors.push({ kind: 'index', message: error.message });
      }
    }
    const index = MasterIndex.from(indexFiles);
    repository.index = index;
    const stored = new Map((await store.list('data')).map((pack) => [pack.id, pack.size]));
    for (const [id, pack] of index.packs) {
      const size = stored.get(id);
      if (size === undefined) errors.push({ kind: 'pack-missing', pack: id, message: `pack ${id.slice(0, 12)} is in the index but missing from storage (${pack.blobs.length} blobs)` });
      else if (size !== pack.size) errors.push({ kind: 'pack-size', pack: id, message: `pack ${id.slice(0, 12)} is ${size} bytes; the index says ${pack.size}` });
    }
    for (const id of stored.keys()) if (!index.packs.has(id)) warnings.push(`pack ${id.slice(0, 12)} is not in any index (left by an interrupted run; prune removes it)`);

    const snapshots: SnapshotRecord[] = [];
    for (const { id } of await store.list('snapshots')) {
      try {
        const bytes = await store.getFile('snapshots', id);
        if (bytes) snapshots.push({ ...repository.files.decode<Snapshot>('snapshot', bytes, id), id });
      } catch (error) {
        if (!(error instanceof BackupError) || error.code !== 'BACKUP_INTEGRITY') throw error;
        errors.push({ kind: 'snapshot', snapshot: id, message: error.message });
      }
    }
    const used = await collectUsedBlobs(repository, snapshots);
    for (const ref of used.broken) errors.push({ kind: 'missing-blob', snapshot: ref.snapshot, path: ref.path, blob: ref.blob, message: `snapshot ${ref.snapshot.slice(0, 8)}: ${ref.message}` });

    const ledgerBytes = await store.get(LEDGER_NAME);
    let ledger: Ledger = { read: {} };
    try {
      if (ledgerBytes) ledger = repository.files.decode<Ledger>('ledger', ledgerBytes);
    } catch {
      warnings.push('the verify ledger is damaged; starting a new one');
    }
    const toRead = selectPacks([...index.packs.keys()].filter((id) => stored.get(id) === index.packs.get(id)!.size).sort(), options.readData, ledger);
    meter.totalBytes = toRead.reduce((sum, id) => sum + index.packs.get(id)!.size, 0);
    let bytesRead = 0;
    for (const packId of toRead) {
      const bytes = await store.get(fileKey('data', packId));
      if (!bytes) {
        errors.push({ kind: 'pack-missing', pack: packId, message: `pack ${packId.slice(0, 12)} vanished during the check` });
        continue;
      }
      bytesRead += bytes.length;
      meter.bytes += bytes.length;
      meter.files++;
      meter.tick();
      // Every byte of a pack is covered by an authenticated blob or the authenticated header, so checking
      // that the header's entries tile the pack and match the index leaves no byte unchecked.
      try {
        const entries = readPackHeader(repository.files, bytes);
        const headerStart = bytes.length - 4 - bytes.readUInt32LE(bytes.length - 4);
        let expected = 0;
        for (const [, , offset, length] of [...entries].sort((a, b) => a[2] - b[2])) {
          if (offset !== expected) throw new Error(`a gap or overlap at byte ${expected}`);
          expected += length;
        }
        if (expected !== headerStart) throw new Error(`the blobs end at ${expected}, the header starts at ${headerStart}`);
        const indexed = new Set(index.packs.get(packId)!.blobs);
        if (entries.length !== indexed.size || entries.some(([id]) => !indexed.has(id))) throw new Error('its header and the index list different blobs');
      } catch (error) {
        errors.push({ kind: 'pack-damaged', pack: packId, message: `pack ${packId.slice(0, 12)}: ${(error as Error).message}` });
      }
      for (const blobId of index.packs.get(packId)!.blobs) {
        const location = index.lookup(blobId);
        if (!location || location.pack !== packId) continue;
        try {
          decodeBlob(repository.keys, repository.codec, location, bytes.subarray(location.offset, location.offset + location.length));
        } catch (error) {
          if (!(error instanceof BackupError) || error.code !== 'BACKUP_INTEGRITY') throw error;
          const path = used.blobs.get(blobId);
          errors.push({ kind: 'blob-damaged', pack: packId, blob: blobId, ...(path ? { path } : {}), message: `${error.message}${path ? ` (used by ${path})` : ''}` });
        }
      }
      ledger.read[packId] = new Date().toISOString();
    }
    const wal = await checkWal(repository, snapshots, (files) => {
      const chosen = new Set(selectPacks(files.map((file) => file.mac), options.readData, { read: ledger.walRead ?? {} }));
      return files.filter((file) => chosen.has(file.mac));
    });
    errors.push(...wal.problems);
    if (wal.read.length > 0) {
      ledger.walRead ??= {};
      for (const file of wal.read) ledger.walRead[file.mac] = new Date().toISOString();
    }
    if (toRead.length > 0 || wal.read.length > 0) {
      for (const id of Object.keys(ledger.read)) if (!index.packs.has(id)) delete ledger.read[id];
      await store.put(LEDGER_NAME, repository.files.encode('ledger', ledger).bytes);
    }
    meter.tick(undefined, true);
    return { ok: errors.length === 0, errors, warnings, snapshots: snapshots.length, packs: index.packs.size, blobs: index.blobs.size, packsRead: toRead.length, bytesRead, walFiles: wal.files, walRead: wal.read.length };
  } finally {
    await lock.release().catch(() => undefined);
  }
}

