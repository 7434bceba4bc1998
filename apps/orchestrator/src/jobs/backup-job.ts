import { backup, forget, prune } from '@core/backup';
import type { BackupResult, ForgetGroup, ProgressEvent, PruneReport, RetentionPolicy, SnapshotType } from '@core/backup';
import { openBackupRepository } from '../backup-repository-for';
import { sourceFor } from '../backup-sources';
import type { SourceKind } from '../backup-sources';
import type { Config } from '../config/config';

/** One scheduled backup: a source, its snapshot type and tags, and the retention applied after it. */
export interface BackupJobSpec {
  kind: SourceKind;
  target?: string;
  type?: SnapshotType;
  tags?: string[];
  include?: string[];
  exclude?: string[];
  force?: boolean;
  /** Applied to this source's snapshots after a successful run (restic forget); prune follows when `prune`. */
  retention?: RetentionPolicy;
  prune?: boolean;
}

/** What a backup job did: the snapshot, and what retention and prune removed. */
export interface BackupJobResult {
  backup: BackupResult;
  forgotten: number;
  pruned: PruneReport | undefined;
}

/** Runs one backup job on the profile's repository: the function the CLI and the scheduler both call. */
export async function runBackupJob(config: Config, spec: BackupJobSpec, options: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {}): Promise<BackupJobResult> {
  const repository = await openBackupRepository(config);
  const resolved = await sourceFor(config, spec.kind, spec.target, { ...(spec.include ? { include: spec.include } : {}), ...(spec.exclude ? { exclude: spec.exclude } : {}) });
  try {
    const result = await backup(repository, resolved.source, {
      ...(spec.type ? { type: spec.type } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.force ? { force: true } : {}),
      ...options,
    });
    let forgotten = 0;
    let pruned: PruneReport | undefined;
    if (spec.retention) {
      const groups: ForgetGroup[] = await forget(repository, spec.retention, { filter: { kind: result.snapshot.source.kind, identity: result.snapshot.source.identity } });
      forgotten = groups.reduce((sum, group) => sum + group.remove.length, 0);
      if (spec.prune) pruned = await prune(repository);
    }
    return { backup: result, forgotten, pruned };
  } finally {
    await resolved.close();
  }
}
