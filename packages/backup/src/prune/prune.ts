import { ProgressMeter } from '../archiver/progress';
import type { ProgressEvent } from '../archiver/progress';
import { InvalidOptionsError } from '../errors';
import type { IndexFile } from '../repository/master-index';
import { toEntry } from '../repository/blob';
import type { BlobEntry } from '../repository/blob';
import type { Repository } from '../repository/repository';
import { collectUsedBlobs } from '../walker/used-blobs';

/** Options of `prune`. */
export interface PruneOptions {
  /** Share of unused bytes tolerated in partly used packs before they are repacked (default 0.05 = 5 %). */
  maxUnused?: number;
  /** Report what would be removed and repacked, change nothing. */
  dryRun?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

/** What `prune` removed (or would remove). */
export interface PruneReport {
  packsDeleted: number;
  packsRepacked: number;
  /** Packs no index listed (from interrupted runs), deleted. */
  orphanPacks: number;
  bytesFreed: number;
  /** Unused bytes left in partly used packs (within `maxUnused`). */
  unusedBytesKept: number;
  blobsKept: number;
  indexFilesReplaced: number;
}

/**
 * Mark and sweep, in restic's safe order: (1) repack the used blobs of mostly-unused packs into new packs
 * and index them; (2) write one index for every kept pack, superseding all earlier index files; (3) delete
 * the old index files; (4) delete unused packs. A crash between any two steps leaves a repository that
 * verifies, and the next prune finishes the job. Holds an exclusive lock: no backup runs meanwhile.
 */
export function prune(repository: Repository, options: PruneOptions = {}): Promise<PruneReport> {
  return repository.serialWrites(() => runPrune(repository, options));
}

async function runPrune(repository: Repository, options: PruneOptions): Promise<PruneReport> {
  const maxUnused = options.maxUnused ?? 0.05;
  if (!(maxUnused >= 0 && maxUnused <= 1)) throw new InvalidOptionsError(`maxUnused must be between 0 and 1 (got ${String(maxUnused)})`);
  const lock = options.dryRun ? undefined : await repository.lock(true);
  const meter = new ProgressMeter('prune', options.onProgress);
  try {
    await repository.loadIndex();
    const index = repository.index;
    // Every index file, superseded ones too: a prune interrupted after its new index left the files it
    // superseded in place, and deleting the superseding file without them would bring them back to life.
    const oldIndexFiles = [...index.allFiles];
    const used = (await collectUsedBlobs(repository, await repository.snapshots())).blobs;
    const stored = new Map((await repository.store.list('data')).map((pack) => [pack.id, pack.size]));
    const orphans = [...stored.keys()].filter((id) => !index.packs.has(id));

    const keep: string[] = [];
    const remove: string[] = [];
    const partial: Array<{ id: string; unused: number }> = [];
    let totalBytes = 0;
    let unusedBytes = 0;
    for (const [id, pack] of index.packs) {
      if (!stored.has(id)) continue; // missing packs are verify's to report; nothing to delete
      totalBytes += pack.size;
      const blobs = pack.blobs.map((blobId) => index.lookup(blobId)!).filter((b) => b.pack === id);
      const usedBytes = blobs.filter((b) => used.has(b.id)).reduce((sum, b) => sum + b.length, 0);
      const usedCount = blobs.filter((b) => used.has(b.id)).length;
      const unused = blobs.reduce((sum, b) => sum + b.length, 0) - usedBytes;
      if (usedCount === 0) remove.push(id);
      else if (unused > 0) partial.push({ id, unused });
      else keep.push(id);
      if (usedCount > 0) unusedBytes += unused;
    }
    partial.sort((a, b) => b.unused - a.unused);
    const repack: string[] = [];
    for (const pack of partial) {
      if (unusedBytes <= maxUnused * totalBytes) {
        keep.push(pack.id);
        continue;
      }
      repack.push(pack.id);
      unusedBytes -= pack.unused;
    }
    const report: PruneReport = {
      packsDeleted: remove.length,
      packsRepacked: repack.length,
      orphanPacks: orphans.length,
      bytesFreed: [...remove, ...repack, ...orphans].reduce((sum, id) => sum + (stored.get(id) ?? 0), 0),
      unusedBytesKept: Math.max(0, unusedBytes),
      blobsKept: used.size,
      indexFilesReplaced: oldIndexFiles.length,
    };
    if (options.dryRun) return report;

    // 1. Repack: the used blobs of the chosen packs go into new packs (checked as they are read).
    const repacked = new Set<string>();
    for (const packId of repack) {
      for (const blobId of index.packs.get(packId)!.blobs) {
        const location = index.lookup(blobId);
        if (!location || location.pack !== packId || !used.has(blobId) || repacked.has(blobId)) continue;
        const plaintext = await repository.readBlob(blobId, { wholePacks: true });
        repacked.add(blobId);
        index.blobs.delete(blobId);
        await repository.saveBlob(location.type, plaintext, blobId);
        meter.bytes += plaintext.length;
        meter.tick();
      }
    }
    await repository.flush();
    // 2. One index for the kept packs, superseding every earlier index file (the repacked blobs' index stays).
    const packs: IndexFile['packs'] = keep.map((id) => {
      const pack = index.packs.get(id)!;
      const entries: BlobEntry[] = pack.blobs.map((blobId) => index.lookup(blobId)).filter((b) => b !== undefined && b.pack === id).map((b) => toEntry(b!));
      return { id, size: pack.size, blobs: entries };
    });
    await repository.writeIndexFile({ packs, supersedes: oldIndexFiles });
    // 3. The superseded index files, then 4. the packs nothing references any more.
    await repository.store.remove('index', oldIndexFiles);
    await repository.store.remove('data', [...remove, ...repack, ...orphans]);
    await repository.loadIndex();
    meter.tick(undefined, true);
    return report;
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
