import { InvalidOptionsError, TargetUnreachableError, WalMissingError } from '../../errors';
import type { Repository } from '../../repository/repository';
import type { PgBaseInfo, SnapshotRecord } from '../../repository/snapshot';
import { PG_BASE_KIND } from '../base/base-backup';
import { formatLsn, parseLsn } from '../lsn';
import { walChain } from '../wal/wal-chain';
import type { WalArchive, WalChain } from '../wal/wal-chain';
import { parseWalName, segmentOf } from '../wal/wal-names';
import type { ParsedTarget } from './recovery-target';

/** A base backup snapshot. */
export type PgBaseSnapshot = SnapshotRecord & { postgres: PgBaseInfo };

/** The repository's base backups of a cluster, oldest first. */
export async function pgBaseSnapshots(repository: Repository, systemId?: string): Promise<PgBaseSnapshot[]> {
  const bases = (await repository.snapshots()).filter((s): s is PgBaseSnapshot => s.source.kind === PG_BASE_KIND && s.postgres !== undefined);
  const clusters = [...new Set(bases.map((s) => s.postgres.systemId))];
  if (systemId === undefined && clusters.length > 1) throw new InvalidOptionsError(`the repository holds base backups of ${clusters.length} clusters (${clusters.join(', ')}): pass systemId`);
  const wanted = systemId ?? clusters[0];
  return bases.filter((s) => s.postgres.systemId === wanted).sort((a, b) => (a.postgres.stopTime < b.postgres.stopTime ? -1 : 1));
}

/** Base backups that can start recovery to `target`, preferred first. */
export function candidatesFor(bases: PgBaseSnapshot[], target: ParsedTarget): PgBaseSnapshot[] {
  const newestFirst = [...bases].reverse();
  if (target.kind === 'time') return newestFirst.filter((s) => new Date(s.postgres.stopTime) <= target.time);
  if (target.kind === 'lsn') return newestFirst.filter((s) => parseLsn(s.postgres.endLsn) <= target.lsn);
  if (target.kind === 'xid' || target.kind === 'name') return newestFirst;
  return newestFirst.slice(0, 1);
}

/** The chain a recovery from `base` to `target` reads; a gap before the target is a `WalMissingError` (recovery would stop there as if done). */
export function checkChain(archive: WalArchive, base: PgBaseSnapshot, target: ParsedTarget): WalChain {
  const info = base.postgres;
  const start = parseWalName(info.startWal, info.segmentBytes)!.segment!;
  const until = target.kind === 'lsn' ? segmentOf(target.lsn, info.segmentBytes) : target.kind === 'immediate' ? parseWalName(info.endWal, info.segmentBytes)!.segment! : undefined;
  let chain = walChain(archive, info.timeline, start, { segmentBytes: info.segmentBytes, ...(until === undefined ? {} : { until }) });
  if (target.kind === 'time') {
    const before = archive.files.filter((file) => file.kind === 'segment' && file.archivedAt <= target.time).map((file) => file.segment!);
    const last = before.length > 0 ? before.reduce((a, b) => (a > b ? a : b)) : undefined;
    const needed = walChain(archive, info.timeline, start, { segmentBytes: info.segmentBytes, ...(last === undefined ? {} : { until: last }) });
    chain = { ...chain, missing: needed.missing };
  }
  const endSegment = parseWalName(info.endWal, info.segmentBytes)!.segment!;
  if (chain.segments === 0 || chain.parts.at(-1)!.to < endSegment) {
    throw new WalMissingError(`base backup ${base.id.slice(0, 8)} needs WAL up to ${info.endWal} to be consistent, and the archive does not reach it`, [info.endWal]);
  }
  if (chain.missing.length > 0) {
    const shown = chain.missing.slice(0, 5).join(', ') + (chain.missing.length > 5 ? ` and ${chain.missing.length - 5} more` : '');
    throw new WalMissingError(`the WAL archive has a gap after base backup ${base.id.slice(0, 8)}: ${shown} missing; recovery would stop there`, chain.missing);
  }
  return chain;
}

/** Refuses targets the archive cannot reach, before anything is written. */
export function checkReachable(chain: WalChain, base: PgBaseSnapshot, target: ParsedTarget): void {
  const newest = chain.newest;
  if (target.kind === 'time') {
    if (target.time.getTime() > Date.now()) throw new TargetUnreachableError(`target time ${target.time.toISOString()} is in the future`);
    if (newest && target.time > newest.archivedAt) {
      throw new TargetUnreachableError(`target time ${target.time.toISOString()} is after the newest archived WAL (${newest.name}, archived ${newest.archivedAt.toISOString()}): recovery cannot prove it reached it`);
    }
  }
  if (target.kind === 'lsn') {
    const end = (chain.parts.at(-1)!.to + 1n) * BigInt(base.postgres.segmentBytes);
    if (target.lsn >= end) throw new TargetUnreachableError(`target LSN ${formatLsn(target.lsn)} is past the end of the archived WAL (${formatLsn(end)})`);
  }
}
