import type { Repository } from '../../repository/repository';
import { parseLsn } from '../lsn';
import type { Lsn } from '../lsn';
import type { ArchivedWal } from './wal-archive';
import { listWal, readWal } from './wal-archive';
import { DEFAULT_SEGMENT_BYTES, segmentName, segmentOf } from './wal-names';

/** A stretch of one timeline that recovery reads, segments `from`…`to` inclusive. */
export interface ChainPart {
  timeline: number;
  from: bigint;
  to: bigint;
}

/** Whether the archive holds every segment from a starting point to its newest WAL. */
export interface WalChain {
  /** Timelines recovery follows, oldest first. */
  parts: ChainPart[];
  /** Segments the chain needs that the archive lacks, by name. */
  missing: string[];
  /** The newest segment before the first gap (undefined when there is none). */
  newest: ArchivedWal | undefined;
  /** Segments the chain needs in all. */
  segments: number;
}

/** The archive of one cluster: its files by name and its timeline histories. */
export interface WalArchive {
  files: ArchivedWal[];
  byName: Map<string, ArchivedWal>;
  /** Per timeline, its ancestors with the WAL location where each was left (from `NNNNNNNN.history`). */
  histories: Map<number, Array<{ timeline: number; switchLsn: Lsn }>>;
}

/** Parses a timeline history file (`1\t0/3000000\treason` per ancestor). */
export function parseHistory(text: string): Array<{ timeline: number; switchLsn: Lsn }> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [timeline, lsn] = line.split(/\s+/);
      return { timeline: Number(timeline), switchLsn: parseLsn(lsn!) };
    });
}

/** Lists a cluster's archive and reads its history files. */
export async function loadWalArchive(repository: Repository, systemId: string, signal?: AbortSignal): Promise<WalArchive> {
  const files = await listWal(repository, systemId);
  const histories = new Map<number, Array<{ timeline: number; switchLsn: Lsn }>>();
  for (const file of files.filter((f) => f.kind === 'history')) histories.set(file.timeline, parseHistory((await readWal(repository, file, signal)).toString('utf8')));
  return { files, byName: new Map(files.map((file) => [file.name, file])), histories };
}

/** The newest timeline descending from `timeline` (the one `recovery_target_timeline = latest` follows). */
function latestDescendant(archive: WalArchive, timeline: number): number {
  let best = timeline;
  for (const [candidate, ancestors] of archive.histories) if (candidate > best && ancestors.some((a) => a.timeline === timeline)) best = candidate;
  return best;
}

/**
 * The segments recovery from `startSegment` on `timeline` reads up to the archive's newest WAL (or `until`),
 * following timeline switches, and which of them are missing. On a switch the new timeline's first
 * segment holds the old one's tail, so the old timeline is needed up to the segment before it.
 */
export function walChain(archive: WalArchive, timeline: number, startSegment: bigint, options: { segmentBytes?: number; until?: bigint } = {}): WalChain {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const target = latestDescendant(archive, timeline);
  const path = [...(archive.histories.get(target) ?? []).filter((a) => a.timeline >= timeline), { timeline: target, switchLsn: undefined as Lsn | undefined }];
  const newestOn = (tli: number): bigint | undefined => {
    let newest: bigint | undefined;
    for (const file of archive.files) if (file.timeline === tli && file.kind === 'segment' && (newest === undefined || file.segment! > newest)) newest = file.segment!;
    return newest;
  };
  const parts: ChainPart[] = [];
  let from = startSegment;
  for (const step of path) {
    let to = step.switchLsn === undefined ? (newestOn(step.timeline) ?? from - 1n) : segmentOf(step.switchLsn, segmentBytes) - 1n;
    if (options.until !== undefined && to > options.until) to = options.until;
    if (to >= from) parts.push({ timeline: step.timeline, from, to });
    if (step.switchLsn !== undefined) from = from > segmentOf(step.switchLsn, segmentBytes) ? from : segmentOf(step.switchLsn, segmentBytes);
  }
  const missing: string[] = [];
  let newest: ArchivedWal | undefined;
  let segments = 0;
  for (const part of parts) {
    for (let segment = part.from; segment <= part.to; segment++) {
      segments++;
      const name = segmentName(part.timeline, segment, segmentBytes);
      const file = archive.byName.get(name);
      if (!file) missing.push(name);
      else if (missing.length === 0) newest = file;
    }
  }
  return { parts, missing, newest, segments };
}

