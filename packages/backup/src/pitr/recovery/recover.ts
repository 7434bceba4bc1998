import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IntegrityError, InvalidOptionsError, NotFoundError, RecoveryFailedError, TargetNotEmptyError, TargetUnreachableError, WalMissingError } from '../../errors';
import type { Repository } from '../../repository/repository';
import type { PgBaseInfo, SnapshotRecord } from '../../repository/snapshot';
import { restore } from '../../restorer/restorer';
import { PG_BASE_KIND } from '../base/base-backup';
import { formatLsn, parseLsn } from '../lsn';
import { loadWalArchive, walChain } from '../wal/wal-chain';
import type { WalArchive, WalChain } from '../wal/wal-chain';
import { parseWalName, segmentOf } from '../wal/wal-names';
import { RecoveringServer, defaultRunAs, giveTo, runServerTool, serverBinDir } from './pg-server';
import { configLines, parseTarget, recoverySettings } from './recovery-target';
import type { ParsedTarget, RecoveryTarget } from './recovery-target';
import { WalStager } from './wal-stager';

/** A base backup snapshot. */
export type PgBaseSnapshot = SnapshotRecord & { postgres: PgBaseInfo };

/** Options of `recoverPostgres`. */
export interface RecoverPostgresOptions {
  /** Empty or missing folder to restore into. */
  dataDir: string;
  /** Where recovery stops (default `latest`: the end of the archive). */
  target?: RecoveryTarget;
  /** The cluster (default: the only one with base backups in the repository). */
  systemId?: string;
  /** A base backup to start from instead of the one the target picks. */
  snapshot?: string;
  /** Port of the recovered server (default: a free one); it listens on 127.0.0.1 and a socket in the data directory. */
  port?: number;
  /** Leave the server running after promotion (default); false stops it, leaving the data directory. */
  keepRunning?: boolean;
  /** Keep `archive_mode` as the source had it (default false: a restored copy must not archive into the source's repository). */
  keepArchiving?: boolean;
  /** Replace pg_hba.conf with local-socket trust only (drills; default false). */
  trustLocalOnly?: boolean;
  /** Also run `pg_verifybackup` on the restored base before starting (default false: the restore already checks every file's SHA-256; drills turn it on). */
  verifyBackup?: boolean;
  /** Extra settings appended to postgresql.auto.conf. */
  settings?: Record<string, string>;
  /** Folder of pg_ctl, pg_verifybackup (default: /usr/lib/postgresql/<version>/bin, or PG_BIN). */
  binDir?: string;
  /** OS user to run the server as (default `postgres` when this process is root). */
  runAs?: string;
  /** How long recovery may take (default 1 h). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What recovery reported when it stopped. */
export interface RecoveryPoint {
  /** The server's own words (`recovery stopping before commit of transaction 754, time …`). */
  line?: string;
  xid?: string;
  time?: string;
  lsn?: string;
  /** Where replay ended (`redo done at …`). */
  redoDoneAt?: string;
  /** Commit time of the last transaction replayed. */
  lastTransactionTime?: string;
  /** The timeline the promoted server writes on. */
  timeline?: number;
}

/** What `recoverPostgres` did. */
export interface RecoverPostgresResult {
  snapshot: PgBaseSnapshot;
  dataDir: string;
  port: number;
  target: ParsedTarget;
  reached: RecoveryPoint;
  /** Base backups tried (xid and name targets try older ones when recovery ends before the target). */
  attempts: number;
  walServed: number;
  restoreMs: number;
  recoveryMs: number;
  /** From the call to a promoted server: the measured recovery time objective. */
  rtoMs: number;
  /** Stops the recovered server (when kept running) and removes the recovery settings, so the data directory starts as the source's copy. */
  stop(): Promise<void>;
}

/** The repository's base backups of a cluster, oldest first. */
export async function pgBaseSnapshots(repository: Repository, systemId?: string): Promise<PgBaseSnapshot[]> {
  const bases = (await repository.snapshots()).filter((s): s is PgBaseSnapshot => s.source.kind === PG_BASE_KIND && s.postgres !== undefined);
  const clusters = [...new Set(bases.map((s) => s.postgres.systemId))];
  if (systemId === undefined && clusters.length > 1) throw new InvalidOptionsError(`the repository holds base backups of ${clusters.length} clusters (${clusters.join(', ')}): pass systemId`);
  const wanted = systemId ?? clusters[0];
  return bases.filter((s) => s.postgres.systemId === wanted).sort((a, b) => (a.postgres.stopTime < b.postgres.stopTime ? -1 : 1));
}

/** Base backups that can start recovery to `target`, preferred first. */
function candidatesFor(bases: PgBaseSnapshot[], target: ParsedTarget): PgBaseSnapshot[] {
  const newestFirst = [...bases].reverse();
  if (target.kind === 'time') return newestFirst.filter((s) => new Date(s.postgres.stopTime) <= target.time);
  if (target.kind === 'lsn') return newestFirst.filter((s) => parseLsn(s.postgres.endLsn) <= target.lsn);
  if (target.kind === 'xid' || target.kind === 'name') return newestFirst;
  return newestFirst.slice(0, 1);
}

/** The chain a recovery from `base` to `target` reads; a gap before the target is a `WalMissingError` (recovery would stop there as if done). */
function checkChain(archive: WalArchive, base: PgBaseSnapshot, target: ParsedTarget): WalChain {
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
function checkReachable(chain: WalChain, base: PgBaseSnapshot, target: ParsedTarget): void {
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

/** A free TCP port on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Reads where recovery stopped from the server log (`lc_messages = C`). */
export function parseRecoveryLog(log: string): RecoveryPoint {
  const point: RecoveryPoint = {};
  const stopping = /LOG: {2}(recovery stopping [^\n]*)/.exec(log);
  if (stopping) {
    point.line = stopping[1]!;
    const xid = /of transaction (\d+), time (.+)$/.exec(point.line);
    if (xid) [point.xid, point.time] = [xid[1]!, xid[2]!];
    const named = /at restore point "(.*)", time (.+)$/.exec(point.line);
    if (named) point.time = named[2]!;
    const lsn = /WAL location \(LSN\) "([0-9A-F]+\/[0-9A-F]+)"/.exec(point.line);
    if (lsn) point.lsn = lsn[1]!;
  }
  const redo = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log);
  if (redo) point.redoDoneAt = redo[1]!;
  const last = /last completed transaction was at log time ([^\n]+)/.exec(log);
  if (last) point.lastTransactionTime = last[1]!.trim();
  const timeline = /selected new timeline ID: (\d+)/.exec(log);
  if (timeline) point.timeline = Number(timeline[1]);
  return point;
}

const RECOVERY_BLOCK = '# recovery settings written by @core/backup (removed once the server is stopped)';
const RECOVERY_BLOCK_END = '# end of @core/backup recovery settings';

/** Removes the recovery block from postgresql.auto.conf of a stopped server: the cluster then starts with the source's own settings. */
async function forgetRecoverySettings(dataDir: string): Promise<void> {
  const path = join(dataDir, 'postgresql.auto.conf');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const start = text.indexOf(RECOVERY_BLOCK);
  const end = text.indexOf(RECOVERY_BLOCK_END);
  if (start < 0 || end < start) return;
  await writeFile(path, text.slice(0, start).replace(/\n$/, '') + text.slice(end + RECOVERY_BLOCK_END.length + 1));
}

const BEFORE_TARGET = /recovery ended before configured recovery target was reached|requested recovery stop point is before consistent recovery point/;

/** Files a data directory needs that a Debian-style cluster keeps elsewhere (/etc/postgresql). */
async function completeConfig(dataDir: string, trustLocalOnly: boolean): Promise<void> {
  if (!existsSync(join(dataDir, 'postgresql.conf'))) await writeFile(join(dataDir, 'postgresql.conf'), '# written by @core/backup: the base backup had none\n');
  if (trustLocalOnly || !existsSync(join(dataDir, 'pg_hba.conf'))) await writeFile(join(dataDir, 'pg_hba.conf'), '# written by @core/backup: local socket only\nlocal all all trust\n');
  if (!existsSync(join(dataDir, 'pg_ident.conf'))) await writeFile(join(dataDir, 'pg_ident.conf'), '');
}

/**
 * Point-in-time recovery: restores the base backup the target calls for into an empty `dataDir`, writes
 * `recovery.signal`, the target (`recovery_target_action = promote`) and a `restore_command` served by this
 * process from the archive, starts the server and waits until it has promoted. Conflicting or unreachable
 * targets, a WAL gap and a non-empty data directory are typed errors before anything is written; a server
 * that ends recovery before its target is a `RecoveryFailedError`, never a success.
 */
export async function recoverPostgres(repository: Repository, options: RecoverPostgresOptions): Promise<RecoverPostgresResult> {
  const began = Date.now();
  const target = parseTarget(options.target);
  const dataDir = resolve(options.dataDir);
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) throw new TargetNotEmptyError(dataDir);
  const bases = await pgBaseSnapshots(repository, options.systemId);
  if (bases.length === 0) throw new NotFoundError(`the repository holds no base backup${options.systemId ? ` of cluster ${options.systemId}` : ''}`);
  const systemId = bases[0]!.postgres.systemId;
  let candidates = candidatesFor(bases, target);
  if (options.snapshot) {
    const chosen = bases.find((s) => s.id.startsWith(options.snapshot!));
    if (!chosen) throw new NotFoundError(`no base backup ${options.snapshot} of cluster ${systemId}`);
    candidates = [chosen];
  }
  if (candidates.length === 0) {
    throw new TargetUnreachableError(`no base backup ended before the target (the oldest ended at ${target.kind === 'lsn' ? bases[0]!.postgres.endLsn : bases[0]!.postgres.stopTime})`);
  }
  const archive = await loadWalArchive(repository, systemId, options.signal);
  const chain = checkChain(archive, candidates[0]!, target);
  checkReachable(chain, candidates[0]!, target);
  const bin = serverBinDir(candidates[0]!.postgres.pgVersion, options.binDir);
  const user = options.runAs ?? defaultRunAs();
  const port = options.port ?? (await freeLoopbackPort());
  let attempts = 0;
  for (const base of candidates) {
    attempts++;
    if (attempts > 1) checkChain(archive, base, target);
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const restoreStarted = Date.now();
    await restore(repository, base.id, { target: dataDir, ...(options.signal ? { signal: options.signal } : {}) });
    await chmod(dataDir, 0o700);
    if (options.verifyBackup ?? false) {
      await runServerTool(bin, 'pg_verifybackup', ['-n', '-q', dataDir]).catch((error: Error) => {
        throw new IntegrityError(`the restored base backup ${base.id.slice(0, 8)} fails pg_verifybackup: ${error.message}`, { path: dataDir });
      });
    }
    const restoreMs = Date.now() - restoreStarted;
    const stager = new WalStager(repository, systemId, archive.files, await mkdtemp(join(tmpdir(), 'core-wal-stage-')));
    await stager.start();
    await completeConfig(dataDir, options.trustLocalOnly ?? false);
    const settings = { ...recoverySettings(target), restore_command: stager.restoreCommand, hot_standby: 'off', ...(options.keepArchiving ? {} : { archive_mode: 'off' }), ...options.settings };
    await appendFile(join(dataDir, 'postgresql.auto.conf'), `\n${RECOVERY_BLOCK}\n${configLines(settings)}\n${RECOVERY_BLOCK_END}\n`);
    await writeFile(join(dataDir, 'recovery.signal'), '');
    await giveTo(user, dataDir, stager.dir);
    const server = new RecoveringServer(dataDir, port, bin, user);
    const recoveryStarted = Date.now();
    try {
      await server.start();
      await server.waitUntilPromoted(options.timeoutMs ?? 3_600_000, options.signal, () => (stager.failure ? `${stager.failure.name}: ${stager.failure.error.message}` : undefined));
    } catch (error) {
      await server.stop();
      await stager.stop();
      if (stager.failure) throw stager.failure.error;
      const log = await server.log();
      if (BEFORE_TARGET.test(log) && attempts < candidates.length) continue;
      if (error instanceof RecoveryFailedError && BEFORE_TARGET.test(log)) {
        throw new RecoveryFailedError(`recovery ended before the target (${describeTarget(target)}) was reached: the archive does not hold it${attempts > 1 ? ` (tried ${attempts} base backups)` : ''}`, error.log);
      }
      throw error;
    }
    await stager.stop();
    const recoveryMs = Date.now() - recoveryStarted;
    const reached = parseRecoveryLog(await server.log());
    const stop = async (): Promise<void> => {
      await server.stop();
      await forgetRecoverySettings(dataDir);
    };
    if (!(options.keepRunning ?? true)) await stop();
    return { snapshot: base, dataDir, port, target, reached, attempts, walServed: stager.served, restoreMs, recoveryMs, rtoMs: Date.now() - began, stop };
  }
  throw new RecoveryFailedError(`no base backup reached the target (${describeTarget(target)})`, '');
}

/** A target for messages. */
export function describeTarget(target: ParsedTarget): string {
  switch (target.kind) {
    case 'time':
      return `time ${target.time.toISOString()}`;
    case 'xid':
      return `xid ${target.xid}`;
    case 'name':
      return `restore point "${target.name}"`;
    case 'lsn':
      return `LSN ${formatLsn(target.lsn)}`;
    default:
      return target.kind;
  }
}
