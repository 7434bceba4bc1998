import type { Lsn } from '../lsn';

/** The default WAL segment size (`initdb --wal-segsize` can change it; the segment header says which). */
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** What a file in `pg_wal` is, from its name. */
export type WalFileKind = 'segment' | 'partial' | 'backup' | 'history';

/** A parsed WAL file name. */
export interface WalName {
  name: string;
  kind: WalFileKind;
  timeline: number;
  /** Segment number (log id × segments per id + segment); absent for history files. */
  segment?: bigint;
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial|\.[0-9A-F]{8}\.backup)?$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;

/** Parses a WAL file name (`000000010000000000000002`, `….partial`, `….00000028.backup`, `00000002.history`); undefined if it is none. */
export function parseWalName(name: string, segmentBytes = DEFAULT_SEGMENT_BYTES): WalName | undefined {
  const history = HISTORY.exec(name);
  if (history) return { name, kind: 'history', timeline: parseInt(history[1]!, 16) };
  const match = SEGMENT.exec(name);
  if (!match) return undefined;
  const perId = 0x100000000n / BigInt(segmentBytes);
  const segment = BigInt(`0x${match[2]}`) * perId + BigInt(`0x${match[3]}`);
  const kind: WalFileKind = match[4] === '.partial' ? 'partial' : match[4] ? 'backup' : 'segment';
  return { name, kind, timeline: parseInt(match[1]!, 16), segment };
}

/** The file name of segment `segment` on `timeline`. */
export function segmentName(timeline: number, segment: bigint, segmentBytes = DEFAULT_SEGMENT_BYTES): string {
  const perId = 0x100000000n / BigInt(segmentBytes);
  const hex = (value: bigint | number): string => value.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segment / perId)}${hex(segment % perId)}`;
}

/** The segment holding WAL location `lsn`. */
export function segmentOf(lsn: Lsn, segmentBytes = DEFAULT_SEGMENT_BYTES): bigint {
  return lsn / BigInt(segmentBytes);
}
