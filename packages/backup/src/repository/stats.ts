import type { Repository } from './repository';

/** Size and deduplication of a repository. */
export interface RepositoryStats {
  snapshots: number;
  packs: number;
  blobs: number;
  /** Bytes the packs take in storage. */
  storedBytes: number;
  /** Plaintext bytes of every distinct blob. */
  uniqueBytes: number;
  /** Sum of every snapshot's file bytes (what a copy of each would take). */
  snapshotBytes: number;
  /** snapshotBytes / storedBytes. */
  spaceSaving: number;
  /** Newest snapshot time per source (`kind:identity`). */
  lastSnapshot: Record<string, string>;
}

/** Counts snapshots, packs and blobs and how much deduplication and compression save. */
export async function stats(repository: Repository): Promise<RepositoryStats> {
  await repository.loadIndex();
  const snapshots = await repository.snapshots();
  let storedBytes = 0;
  for (const pack of repository.index.packs.values()) storedBytes += pack.size;
  let uniqueBytes = 0;
  for (const blob of repository.index.blobs.values()) uniqueBytes += blob.rawLength;
  const snapshotBytes = snapshots.reduce((sum, s) => sum + s.totals.bytesTotal, 0);
  const lastSnapshot: Record<string, string> = {};
  for (const s of snapshots) lastSnapshot[`${s.source.kind}:${s.source.identity}`] = s.time;
  return {
    snapshots: snapshots.length,
    packs: repository.index.packs.size,
    blobs: repository.index.blobs.size,
    storedBytes,
    uniqueBytes,
    snapshotBytes,
    spaceSaving: storedBytes > 0 ? snapshotBytes / storedBytes : 1,
    lastSnapshot,
  };
}
