import type { Registry } from 'prom-client';
import { withDeadline } from '../health/with-deadline';
import { scrapeGroup } from './scrape-group';

/** The newest snapshot of one source, as `@core/backup`'s `SnapshotRecord` has it (read structurally). */
export interface BackupSnapshotLike {
  time: string;
  source: { kind: string; identity: string };
  totals: { bytesTotal: number; newBytesStored: number; dedupRatio: number; durationMs: number };
}

/** The newest restore drill of one kind, as `@core/backup`'s `DrillRecord` has it. */
export interface BackupDrillLike {
  kind: string;
  source: { kind: string; identity: string };
  time: string;
  ok: boolean;
  rtoMs: number | undefined;
}

/** What the backup series read: the newest snapshot per source and the newest drills (the caller may cache the read). */
export interface BackupStatsSource {
  latest(): Promise<{ snapshots: BackupSnapshotLike[]; drills: BackupDrillLike[] }>;
}

/**
 * `@core/backup` series: per source (`kind:identity`) `core_backup_last_success_timestamp_seconds` (the newest
 * snapshot's time), `core_backup_duration_seconds`, `core_backup_size_bytes`, `core_backup_added_bytes` (stored
 * by that run) and `core_backup_dedup_ratio`; per drill `core_backup_drill_timestamp_seconds`,
 * `core_backup_drill_success` (1/0) and `core_backup_drill_rto_seconds` (the measured RTO); and
 * `core_backup_repository_up` (0 when the repository could not be read within `timeoutMs`, default 5 s).
 */
export function registerBackupMetrics(registry: Registry, source: BackupStatsSource, options: { timeoutMs?: number } = {}): void {
  const timeoutMs = options.timeoutMs ?? 5_000;
  scrapeGroup(
    registry,
    {
      up: { name: 'core_backup_repository_up', help: 'Whether the backup repository could be read (1) or not (0).' },
      last: { name: 'core_backup_last_success_timestamp_seconds', help: 'Time of the newest snapshot of a source (Unix seconds).', labelNames: ['source'] },
      duration: { name: 'core_backup_duration_seconds', help: 'How long the newest backup of a source took.', labelNames: ['source'] },
      size: { name: 'core_backup_size_bytes', help: 'Bytes in the newest snapshot of a source.', labelNames: ['source'] },
      added: { name: 'core_backup_added_bytes', help: 'Bytes the newest backup of a source added to the repository (after dedup and compression).', labelNames: ['source'] },
      dedup: { name: 'core_backup_dedup_ratio', help: 'Bytes read over new bytes stored by the newest backup of a source.', labelNames: ['source'] },
      drillTime: { name: 'core_backup_drill_timestamp_seconds', help: 'When the newest restore drill of a kind ran (Unix seconds).', labelNames: ['kind', 'source'] },
      drillOk: { name: 'core_backup_drill_success', help: 'Whether the newest restore drill of a kind passed (1) or failed (0).', labelNames: ['kind', 'source'] },
      rto: { name: 'core_backup_drill_rto_seconds', help: 'Recovery time the newest passing drill measured, in seconds.', labelNames: ['kind', 'source'] },
    },
    async (set) => {
      let latest: Awaited<ReturnType<BackupStatsSource['latest']>>;
      try {
        latest = await withDeadline('backup repository', timeoutMs, () => source.latest());
      } catch {
        set('up', 0);
        return;
      }
      set('up', 1);
      for (const s of latest.snapshots) {
        const labels = { source: `${s.source.kind}:${s.source.identity}` };
        set('last', Date.parse(s.time) / 1000, labels);
        set('duration', s.totals.durationMs / 1000, labels);
        set('size', s.totals.bytesTotal, labels);
        set('added', s.totals.newBytesStored, labels);
        set('dedup', s.totals.dedupRatio, labels);
      }
      for (const d of latest.drills) {
        const labels = { kind: d.kind, source: `${d.source.kind}:${d.source.identity}` };
        set('drillTime', Date.parse(d.time) / 1000, labels);
        set('drillOk', d.ok ? 1 : 0, labels);
        if (d.rtoMs !== undefined) set('rto', d.rtoMs / 1000, labels);
      }
    },
  );
}
