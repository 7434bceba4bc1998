import { BackupError } from '../../errors';
import type { Repository } from '../../repository/repository';
import type { PgBaseInfo, SnapshotRecord } from '../../repository/snapshot';
import { readWal } from './wal-archive';
import type { ArchivedWal } from './wal-archive';
import { loadWalArchive, walChain } from './wal-chain';
import { parseWalName } from './wal-names';

/** A problem with archived WAL: a segment a base backup's chain lacks, or one that fails its check. */
export interface WalProblem {
  kind: 'wal-missing' | 'wal-damaged';
  message: string;
  snapshot?: string;
  object?: string;
}

/** What the WAL part of `verify` found. */
export interface WalCheck {
  problems: WalProblem[];
  files: number;
  /** Archived files read and checked byte for byte. */
  read: ArchivedWal[];
}

/**
 * Checks the WAL of every cluster with base backups: each base backup's chain (every segment from its start
 * to the newest archived one, per timeline) is complete, gaps named; `selectRead` picks which files to
 * download and check (authenticated, decompressed, matched against their keyed hash).
 */
export async function checkWal(repository: Repository, snapshots: SnapshotRecord[], selectRead: (files: ArchivedWal[]) => ArchivedWal[]): Promise<WalCheck> {
  const problems: WalProblem[] = [];
  const read: ArchivedWal[] = [];
  let files = 0;
  const bases = snapshots.filter((s): s is SnapshotRecord & { postgres: PgBaseInfo } => s.postgres !== undefined);
  for (const systemId of new Set(bases.map((s) => s.postgres.systemId))) {
    let archive;
    try {
      archive = await loadWalArchive(repository, systemId);
    } catch (error) {
      if (!(error instanceof BackupError) || error.code !== 'BACKUP_INTEGRITY') throw error;
      problems.push({ kind: 'wal-damaged', message: error.message });
      continue;
    }
    files += archive.files.length;
    const reported = new Set<string>();
    for (const base of bases.filter((s) => s.postgres.systemId === systemId)) {
      const info = base.postgres;
      const chain = walChain(archive, info.timeline, parseWalName(info.startWal, info.segmentBytes)!.segment!, { segmentBytes: info.segmentBytes });
      const endSegment = parseWalName(info.endWal, info.segmentBytes)!.segment!;
      const missing = [...chain.missing];
      if (chain.parts.length === 0 || chain.parts.at(-1)!.to < endSegment) missing.push(info.endWal);
      for (const name of missing.filter((n) => !reported.has(n))) {
        reported.add(name);
        problems.push({ kind: 'wal-missing', snapshot: base.id, message: `WAL ${name} is missing from the archive of cluster ${systemId}: base backup ${base.id.slice(0, 8)} cannot be recovered past it` });
      }
    }
    for (const file of selectRead(archive.files)) {
      try {
        await readWal(repository, file);
        read.push(file);
      } catch (error) {
        if (!(error instanceof BackupError) || error.code !== 'BACKUP_INTEGRITY') throw error;
        problems.push({ kind: 'wal-damaged', object: file.key, message: error.message });
      }
    }
  }
  return { problems, files, read };
}
