import { SourceError } from '../../errors';
import { parseLsn } from '../lsn';
import type { Lsn } from '../lsn';
import { DEFAULT_SEGMENT_BYTES, parseWalName } from '../wal/wal-names';

/** What a base backup's `backup_label` and `backup_manifest` say about the WAL it needs. */
export interface BaseBackupWal {
  timeline: number;
  startLsn: Lsn;
  endLsn: Lsn;
  /** Segment the backup starts in (the first one recovery needs). */
  startWal: string;
  checkpointLsn: Lsn;
  segmentBytes: number;
}

function field(label: string, name: string): string {
  const match = new RegExp(`^${name}: (.*)$`, 'm').exec(label);
  if (!match) throw new SourceError(`the base backup's backup_label has no ${name} line`);
  return match[1]!.trim();
}

/** The segment size that makes the label's start location fall in the segment it names (16 MiB unless `initdb --wal-segsize`). */
function inferSegmentBytes(startLsn: Lsn, startWal: string): number {
  const sizes = [DEFAULT_SEGMENT_BYTES, ...Array.from({ length: 11 }, (_, i) => 2 ** (20 + i))];
  return sizes.find((size) => parseWalName(startWal, size)?.segment === startLsn / BigInt(size)) ?? DEFAULT_SEGMENT_BYTES;
}

/** Reads `backup_label` (start location, timeline, checkpoint) and the manifest's `WAL-Ranges` (end location). */
export function parseBaseBackupWal(label: string, manifest: string): BaseBackupWal {
  const start = /^(\S+) \(file ([0-9A-F]{24})\)$/.exec(field(label, 'START WAL LOCATION'));
  if (!start) throw new SourceError('the base backup\'s backup_label has a malformed START WAL LOCATION');
  const ranges = (JSON.parse(manifest) as { 'WAL-Ranges'?: Array<{ Timeline: number; 'Start-LSN': string; 'End-LSN': string }> })['WAL-Ranges'];
  const last = ranges?.at(-1);
  if (!last) throw new SourceError('the base backup\'s backup_manifest has no WAL-Ranges');
  const startLsn = parseLsn(start[1]!);
  return {
    timeline: Number(field(label, 'START TIMELINE')),
    startLsn,
    endLsn: parseLsn(last['End-LSN']),
    startWal: start[2]!,
    checkpointLsn: parseLsn(field(label, 'CHECKPOINT LOCATION')),
    segmentBytes: inferSegmentBytes(startLsn, start[2]!),
  };
}
