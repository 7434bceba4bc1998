/** How a snapshot relates to earlier ones: every type stores only new data; they differ in the parent compared with. */
export type SnapshotType = 'full' | 'incremental' | 'differential';

/** What was backed up: the source's kind (`folder`, `sqlite`, `postgres` …) and its identity (path, database …). */
export interface SourceRef {
  kind: string;
  identity: string;
}

/** Totals of one backup run. */
export interface SnapshotTotals {
  files: number;
  dirs: number;
  /** Bytes of every file in the snapshot. */
  bytesTotal: number;
  /** Bytes read from the source this run (unchanged files are not read again). */
  bytesRead: number;
  /** Blobs this run added to the repository. */
  newBlobs: number;
  /** Plaintext bytes of those new blobs. */
  newBytes: number;
  /** Stored (compressed, encrypted) bytes of those new blobs. */
  newBytesStored: number;
  /** bytesRead / new data bytes stored (how much deduplication saved this run; 1 = nothing, or nothing read). */
  dedupRatio: number;
  /** newBytes / newBytesStored. */
  compressionRatio: number;
  durationMs: number;
}

/** A snapshot's manifest, as stored under `snapshots/`. */
export interface Snapshot {
  /** ISO 8601 time with the UTC offset of the host that made it. */
  time: string;
  host: string;
  source: SourceRef;
  tags: string[];
  type: SnapshotType;
  parent: string | undefined;
  /** Root tree blob. */
  tree: string;
  totals: SnapshotTotals;
  /** Versions of this package and of the source's server or tool. */
  versions: Record<string, string>;
  /** Per-file SHA-256 of database dumps and other generated files (folders keep it per node in the trees). */
  files?: Array<{ path: string; size: number; sha256: string }>;
  /** A PostgreSQL base backup: the WAL it needs and when it was taken. */
  postgres?: PgBaseInfo;
}

/** What a base backup's label and manifest said, for choosing it as a recovery starting point. */
export interface PgBaseInfo {
  /** The cluster's system identifier (decimal). */
  systemId: string;
  timeline: number;
  /** WAL location where the backup started (`0/2000028`); recovery replays from its checkpoint. */
  startLsn: string;
  /** WAL location where the backup ended: the cluster is consistent only after replaying up to here. */
  endLsn: string;
  /** First and last WAL segments the backup needs. */
  startWal: string;
  endWal: string;
  segmentBytes: number;
  /** Wall-clock time before the backup started and after it ended. */
  startTime: string;
  stopTime: string;
  /** Server major version (PG_VERSION). */
  pgVersion: string;
}

/** A snapshot with its id (the SHA-256 of its stored file). */
export interface SnapshotRecord extends Snapshot {
  id: string;
}

/** `time` with the local UTC offset (`2026-12-01T22:30:00.123+01:00`). */
export function localIsoTime(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
