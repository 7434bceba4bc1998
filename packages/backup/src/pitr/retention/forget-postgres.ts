import { InvalidOptionsError } from '../../errors';
import { parseDuration } from '../../policy/duration';
import { applyPolicy, isEmptyPolicy, validatePolicy } from '../../policy/forget-policy';
import type { KeepDecision, RetentionPolicy } from '../../policy/forget-policy';
import type { Repository } from '../../repository/repository';
import { pgBaseSnapshots } from '../recovery/base-choice';
import type { PgBaseSnapshot } from '../recovery/base-choice';
import { loadWalArchive, walChain } from '../wal/wal-chain';
import { parseWalName } from '../wal/wal-names';

/** Options of `forgetPostgres`. */
export interface ForgetPostgresOptions {
  /** Which base backups to keep (restic's policy: `{ daily: 30, monthly: 12 }`). */
  policy: RetentionPolicy;
  /** Keep every second of this window restorable (`7d`): the newest base backup before its start and all WAL after it. */
  pitrWithin?: string;
  systemId?: string;
  dryRun?: boolean;
  now?: Date;
}

/** What `forgetPostgres` kept and removed. */
export interface ForgetPostgresReport {
  keep: Array<KeepDecision<PgBaseSnapshot>>;
  remove: PgBaseSnapshot[];
  /** The base backup from which all WAL is kept (any point after its end is restorable). */
  anchor: PgBaseSnapshot | undefined;
  /** Archived WAL files removed (or that would be, in a dry run). */
  walRemoved: string[];
  walKept: number;
}

function windowStart(now: Date, within: string): Date {
  const duration = parseDuration(within, 'pitrWithin');
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - duration.years, start.getUTCMonth() - duration.months, start.getUTCDate() - duration.days);
  start.setUTCHours(start.getUTCHours() - duration.hours);
  return start;
}

/**
 * Retention that never breaks recovery: applies `policy` to a cluster's base backups, always keeping the
 * one `pitrWithin` needs (the newest that ended before the window starts, so every second of the window can
 * be recovered), then removes archived WAL no kept backup needs: all WAL from the anchor onward stays, and
 * for older kept backups the WAL from their start to their end (what makes each consistent). Timeline
 * history files always stay. Data of forgotten backups stays until `prune`.
 */
export async function forgetPostgres(repository: Repository, options: ForgetPostgresOptions): Promise<ForgetPostgresReport> {
  validatePolicy(options.policy);
  if (isEmptyPolicy(options.policy) && !options.pitrWithin) throw new InvalidOptionsError('the retention policy keeps nothing: give pitrWithin or at least one of last, daily, weekly, monthly, yearly, within…');
  const now = options.now ?? new Date();
  const lock = options.dryRun ? undefined : await repository.lock(true);
  try {
    const bases = await pgBaseSnapshots(repository, options.systemId);
    if (bases.length === 0) return { keep: [], remove: [], anchor: undefined, walRemoved: [], walKept: 0 };
    const decision = isEmptyPolicy(options.policy) ? { keep: [] as Array<KeepDecision<PgBaseSnapshot>>, remove: [...bases] } : applyPolicy(bases, options.policy, now.getTime());
    const kept = new Set(decision.keep.map((k) => k.snapshot.id));
    let anchor: PgBaseSnapshot;
    if (options.pitrWithin) {
      const start = windowStart(now, options.pitrWithin);
      anchor = [...bases].reverse().find((s) => new Date(s.postgres.stopTime) <= start) ?? bases[0]!;
    } else {
      anchor = [...bases].reverse().find((s) => kept.has(s.id)) ?? bases.at(-1)!;
    }
    if (!kept.has(anchor.id)) {
      decision.keep.push({ snapshot: anchor, reasons: [options.pitrWithin ? `point-in-time window ${options.pitrWithin}` : 'newest base backup'] });
      decision.remove = decision.remove.filter((s) => s.id !== anchor.id);
      kept.add(anchor.id);
    }
    const archive = await loadWalArchive(repository, anchor.postgres.systemId);
    const needed = new Set<string>();
    const anchorStart = parseWalName(anchor.postgres.startWal, anchor.postgres.segmentBytes)!.segment!;
    for (const base of decision.keep.map((k) => k.snapshot)) {
      const info = base.postgres;
      const start = parseWalName(info.startWal, info.segmentBytes)!.segment!;
      const until = base.id === anchor.id ? undefined : parseWalName(info.endWal, info.segmentBytes)!.segment!;
      const chain = walChain(archive, info.timeline, start, { segmentBytes: info.segmentBytes, ...(until === undefined ? {} : { until }) });
      for (const part of chain.parts) for (let segment = part.from; segment <= part.to; segment++) needed.add(`${part.timeline}:${segment}`);
    }
    const removable = archive.files.filter((file) => file.kind !== 'history' && file.segment! < anchorStart && !needed.has(`${file.timeline}:${file.segment!}`));
    if (!options.dryRun) {
      await repository.store.remove('snapshots', decision.remove.map((s) => s.id));
      await repository.store.removeName(...removable.map((file) => file.key));
    }
    decision.keep.sort((a, b) => (a.snapshot.postgres.stopTime < b.snapshot.postgres.stopTime ? -1 : 1));
    return { keep: decision.keep, remove: decision.remove, anchor, walRemoved: removable.map((file) => file.name), walKept: archive.files.length - removable.length };
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
