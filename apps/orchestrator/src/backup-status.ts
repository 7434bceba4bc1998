import { listDrills, type DrillRecord, type Repository, type SnapshotRecord } from '@core/backup';
import { openBackupRepository } from './backup-repository-for';
import type { Config } from './config/config';

/** The newest snapshot per source and the newest drill per kind, as the dashboard and `/metrics` show them. */
export interface LatestBackups {
  latest: SnapshotRecord[];
  drills: DrillRecord[];
}

/**
 * The profile's backup repository read for status, at most once per `maxAgeMs` (60 s) and again after
 * `invalidate()` (the orchestrator calls it when a backup job ends): the dashboard and the `core_backup_*`
 * series share one read, so a scrape every few seconds does not list the repository each time. The
 * repository stays open between reads (its key is derived once, not per read).
 */
export class BackupStatus {
  #cached: { at: number; value: Promise<LatestBackups> } | undefined;
  #repository: Promise<Repository> | undefined;

  constructor(
    private readonly config: Config,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** The newest snapshots and drills; rejects when the repository cannot be opened or read. */
  latest(): Promise<LatestBackups> {
    if (this.#cached && Date.now() - this.#cached.at < this.maxAgeMs) return this.#cached.value;
    const value = this.#open().then(async (repository) => {
      const latest = new Map<string, SnapshotRecord>();
      for (const snapshot of await repository.snapshots()) latest.set(`${snapshot.source.kind}:${snapshot.source.identity}`, snapshot);
      const drills = new Map<string, DrillRecord>();
      for (const drill of await listDrills(repository)) drills.set(drill.kind, drill);
      return { latest: [...latest.values()], drills: [...drills.values()] };
    });
    value.catch(() => undefined);
    this.#cached = { at: Date.now(), value };
    return value;
  }

  /** Forgets the cached read (a backup just finished, or a page asked for a fresh one). */
  invalidate(): void {
    this.#cached = undefined;
  }

  #open(): Promise<Repository> {
    if (!this.#repository) {
      this.#repository = openBackupRepository(this.config);
      this.#repository.catch(() => (this.#repository = undefined)); // not there yet, or unreachable: open again next time
    }
    return this.#repository;
  }
}
