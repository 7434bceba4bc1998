import type { ColumnInfo } from '../database/database';

/** The sidecar written next to every archive (`<name>.manifest.json`): what it holds and how to check it. */
export interface ArchiveManifest {
  format: 'core-lifecycle-archive/1';
  policy: string;
  table: string;
  runId: string;
  seq: number;
  /** Object key of the data (`.ndjson.gz`, sealed when `encrypted`). */
  dataKey: string;
  /** Key columns and the first and last key (JSON arrays) of the rows, in keyset order. */
  key: { columns: string[]; first: unknown[]; last: unknown[] };
  rows: number;
  /** SHA-256 of the uncompressed NDJSON (one row per line, as the database rendered it). */
  sha256: string;
  /** Bytes stored. */
  bytes: number;
  compression: 'gzip';
  encrypted: boolean;
  columns: ColumnInfo[];
  createdAt: string;
}

/** Key of the manifest of a data object. */
export function manifestKeyOf(dataKey: string): string {
  return dataKey.replace(/\.ndjson\.gz(\.sealed)?$/, '') + '.manifest.json';
}
