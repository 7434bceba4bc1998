import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CodecId } from '../../compress/codec';
import { open, seal } from '../../crypto/seal';
import { AbortedError, IntegrityError, InvalidOptionsError, RestoreWriteError, WalConflictError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { parseWalName } from './wal-names';
import type { WalName } from './wal-names';
import { notePushed, readySegments } from './push-ahead';
import { readSegmentHeader, readSystemId } from './segment-header';

/** One archived WAL file. */
export interface ArchivedWal extends WalName {
  /** Object name in the repository (`wal/<system id>/<name>-<mac>`). */
  key: string;
  /** First 16 hex digits of the file's keyed hash. */
  mac: string;
  storedBytes: number;
  archivedAt: Date;
}

/** Options of `pushWal`. */
export interface PushWalOptions {
  /** The cluster's system identifier; read from the segment, else from `global/pg_control` under `dataDir`. */
  systemId?: string;
  /** The data directory (default: the working directory, as PostgreSQL runs archive_command). */
  dataDir?: string;
  /**
   * Also archive up to this many other segments PostgreSQL has marked ready (default 0), two at a time, and
   * note each in `spoolDir`: the server's next calls for them then return at once (`pushedAhead`). What a
   * busy server needs when one command per segment cannot keep up.
   */
  ahead?: number;
  /** Where the notes of segments archived ahead go (default: `core-wal-spool` in the OS temp folder). */
  spoolDir?: string;
  signal?: AbortSignal;
}

/** What `pushWal` did. */
export interface PushWalResult {
  name: string;
  systemId: string;
  /** `already-archived`: the same bytes were there (PostgreSQL retries after a crash); not an error. */
  status: 'archived' | 'already-archived';
  bytes: number;
  storedBytes: number;
  /** Other ready segments archived in the same call (`ahead`). */
  aheadArchived: string[];
}

const FORMAT = 1;
const MAC_BYTES = 32;

/** The repository folder holding a cluster's WAL. */
export function walPrefix(systemId: string): string {
  if (!/^\d{1,20}$/.test(systemId)) throw new InvalidOptionsError(`systemId must be the decimal system identifier of the cluster (got ${JSON.stringify(systemId)})`);
  return `wal/${systemId}/`;
}

function aad(name: string, mac: Buffer): Buffer {
  return Buffer.concat([mac, Buffer.from(`wal/${name}`)]);
}

/** Every WAL file archived for a cluster, sorted by name (timeline, then segment). */
export async function listWal(repository: Repository, systemId: string, namePrefix = ''): Promise<ArchivedWal[]> {
  const prefix = walPrefix(systemId);
  const files: ArchivedWal[] = [];
  for (const object of await repository.store.listNames(prefix + namePrefix)) {
    const base = object.name.slice(prefix.length);
    const dash = base.lastIndexOf('-');
    const parsed = dash > 0 ? parseWalName(base.slice(0, dash)) : undefined;
    if (!parsed) continue;
    files.push({ ...parsed, key: object.name, mac: base.slice(dash + 1), storedBytes: object.size, archivedAt: object.lastModified });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function archivedUnder(repository: Repository, systemId: string, name: string): Promise<ArchivedWal[]> {
  return (await listWal(repository, systemId, `${name}-`)).filter((file) => file.name === name);
}

/**
 * Archives one WAL file (PostgreSQL's `archive_command`, `%p`): compressed and sealed like every blob, under
 * its name and keyed hash. Pushing the same bytes again is `already-archived`; different bytes under an
 * archived name are a `WalConflictError` (PostgreSQL keeps the file and retries, so nothing is lost).
 */
export async function pushWal(repository: Repository, path: string, options: PushWalOptions = {}): Promise<PushWalResult> {
  const result = await pushOne(repository, path, options);
  const aheadArchived: string[] = [];
  const queue = options.ahead ? await readySegments(path, options.ahead) : [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      // A segment that cannot be archived ahead is left to PostgreSQL's own call for it, which reports the error.
      const pushed = await pushOne(repository, next, options).catch(() => undefined);
      if (!pushed) continue;
      await notePushed(next, pushed.read, options.spoolDir);
      aheadArchived.push(pushed.name);
    }
  };
  await Promise.all([worker(), worker()]);
  const { read: _read, ...rest } = result;
  return { ...rest, aheadArchived: aheadArchived.sort() };
}

async function pushOne(repository: Repository, path: string, options: PushWalOptions): Promise<Omit<PushWalResult, 'aheadArchived'> & { read: Buffer }> {
  const name = basename(path);
  const parsed = parseWalName(name);
  if (!parsed) throw new InvalidOptionsError(`${name} is not a WAL file name (segment, .partial, .backup or .history)`);
  const bytes = await readFile(path);
  let systemId = options.systemId;
  if (parsed.kind === 'segment' || parsed.kind === 'partial') {
    const header = readSegmentHeader(bytes, name);
    if (header.pageAddress !== parsed.segment! * BigInt(header.segmentBytes)) throw new InvalidOptionsError(`${name} holds the WAL of another segment (its first page is at ${header.pageAddress.toString(16)}): refusing to archive it under this name`);
    if (systemId !== undefined && systemId !== header.systemId) throw new InvalidOptionsError(`${name} belongs to cluster ${header.systemId}, not ${systemId}`);
    systemId = header.systemId;
  }
  systemId ??= await readSystemId(options.dataDir ?? process.cwd());
  const macHex = repository.blobId(bytes);
  const mac = Buffer.from(macHex, 'hex');
  const existing = await archivedUnder(repository, systemId, name);
  if (existing.some((file) => file.mac === macHex.slice(0, 16))) return { name, systemId, status: 'already-archived', bytes: bytes.length, storedBytes: 0, read: bytes };
  if (existing.length > 0) throw new WalConflictError(name, repository.describe());
  if (options.signal?.aborted) throw new AbortedError(`archiving ${name} was aborted`);
  const compressed = repository.codec.compress(bytes);
  const payload = Buffer.concat([Buffer.from(compressed.codec), compressed.bytes]);
  const body = repository.keys.encryption ? seal(repository.keys.encryption, payload, aad(name, mac)) : payload;
  const stored = Buffer.concat([Buffer.of(FORMAT), mac, body]);
  await repository.store.put(`${walPrefix(systemId)}${name}-${macHex.slice(0, 16)}`, stored, options.signal);
  return { name, systemId, status: 'archived', bytes: bytes.length, storedBytes: stored.length, read: bytes };
}

/** Reads and checks one archived WAL file; damage is an `IntegrityError` naming it. */
export async function readWal(repository: Repository, file: ArchivedWal, signal?: AbortSignal): Promise<Buffer> {
  const where = { object: file.key };
  const stored = await repository.store.get(file.key, signal);
  if (!stored) throw new IntegrityError(`${file.key} vanished while it was read`, where);
  const mac = stored.subarray(1, 1 + MAC_BYTES);
  if (stored[0] !== FORMAT || stored.length < 2 + MAC_BYTES || mac.toString('hex').slice(0, 16) !== file.mac) throw new IntegrityError(`${file.key} is damaged (its header does not match its name)`, where);
  const body = stored.subarray(1 + MAC_BYTES);
  const payload = repository.keys.encryption ? open(repository.keys.encryption, body, aad(file.name, mac)) : body;
  if (!payload || payload.length < 1) throw new IntegrityError(`${file.key} does not authenticate: it is damaged`, where);
  let bytes: Buffer;
  try {
    bytes = repository.codec.decompress(payload.subarray(0, 1).toString() as CodecId, payload.subarray(1));
  } catch (error) {
    if (error instanceof Error && error.name === 'CodecUnavailableError') throw error;
    throw new IntegrityError(`${file.key} does not decompress: it is damaged`, where, { cause: error });
  }
  if (repository.blobId(bytes) !== mac.toString('hex')) throw new IntegrityError(`${file.key} does not match its hash: it is damaged`, where);
  return bytes;
}

/**
 * Restores one archived WAL file to `destination` (PostgreSQL's `restore_command`, `%f` and `%p`; the
 * cluster is `systemId`, else the one whose `global/pg_control` is under `dataDir` or the working directory), written
 * to a temp name and renamed. Resolves false when the archive has no such file, as PostgreSQL expects of a
 * restore command at the end of the archive; damaged bytes are an `IntegrityError`, never written.
 */
export async function fetchWal(repository: Repository, name: string, destination: string, options: { systemId?: string; dataDir?: string; signal?: AbortSignal } = {}): Promise<boolean> {
  if (!parseWalName(name)) throw new InvalidOptionsError(`${name} is not a WAL file name`);
  const systemId = options.systemId ?? (await readSystemId(options.dataDir ?? process.cwd()));
  const found = await archivedUnder(repository, systemId, name);
  if (found.length === 0) return false;
  if (found.length > 1) throw new WalConflictError(name, repository.describe());
  const bytes = await readWal(repository, found[0]!, options.signal);
  const temp = join(dirname(destination), `.${basename(destination)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, destination);
  } catch (error) {
    await rm(temp, { force: true });
    throw new RestoreWriteError(destination, { cause: error });
  }
  return (await stat(destination)).size === bytes.length;
}
