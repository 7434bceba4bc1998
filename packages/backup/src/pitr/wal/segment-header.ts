import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionsError } from '../../errors';

/** What the long header on the first page of a WAL segment says. */
export interface SegmentHeader {
  /** `xlp_magic`: the WAL format of the server version that wrote it. */
  magic: number;
  /** The cluster's system identifier (decimal, as `pg_controldata` prints it). */
  systemId: string;
  /** WAL location of the segment's first byte. */
  pageAddress: bigint;
  segmentBytes: number;
}

/** XLP_LONG_HEADER: the first page of a segment carries the long header. */
const XLP_LONG_HEADER = 0x0002;

/** Reads the long page header of a WAL segment (PostgreSQL's `XLogLongPageHeaderData`); refuses bytes that are not one. */
export function readSegmentHeader(bytes: Buffer, name: string): SegmentHeader {
  if (bytes.length < 40 || (bytes.readUInt16LE(2) & XLP_LONG_HEADER) === 0 || (bytes.readUInt16LE(0) & 0xff00) !== 0xd100) {
    throw new InvalidOptionsError(`${name} is not a WAL segment (no long page header at its start)`);
  }
  const segmentBytes = bytes.readUInt32LE(32);
  if (segmentBytes !== bytes.length) throw new InvalidOptionsError(`${name} is ${bytes.length} bytes but its header says segments are ${segmentBytes}: it is truncated or not a WAL segment`);
  return { magic: bytes.readUInt16LE(0), systemId: bytes.readBigUInt64LE(24).toString(), pageAddress: bytes.readBigUInt64LE(8), segmentBytes };
}

/** The system identifier in `global/pg_control` of a data directory (the archive command's working directory). */
export async function readSystemId(dataDir: string): Promise<string> {
  const control = await readFile(join(dataDir, 'global', 'pg_control')).catch(() => undefined);
  if (!control || control.length < 8) throw new InvalidOptionsError(`${dataDir} holds no global/pg_control: pass systemId, or run the command from the data directory (PostgreSQL does for archive_command)`);
  return control.readBigUInt64LE(0).toString();
}
