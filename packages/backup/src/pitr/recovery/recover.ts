import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IntegrityError, NotFoundError, RecoveryFailedError, TargetNotEmptyError, TargetUnreachableError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { restore } from '../../restorer/restorer';
import { formatLsn } from '../lsn';
import { loadWalArchive } from '../wal/wal-chain';
import { candidatesFor, checkChain, checkReachable, pgBaseSnapshots } from './base-choice';
import type { PgBaseSnapshot } from './base-choice';
import { RecoveringServer, defaultRunAs, freeLoopbackPort, giveTo, runServerTool, serverBinDir } from './pg-server';
import { completeConfig, forgetRecoverySettings, writeRecoverySettings } from './recovery-config';
import { BEFORE_TARGET, parseRecoveryLog } from './recovery-log';
import type { RecoveryPoint } from './recovery-log';
import { parseTarget, recoverySettings } from './recovery-target';
import type { ParsedTarget, RecoveryTarget } from './recovery-target';
import { WalStager } from './wal-stager';

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
    await writeRecoverySettings(dataDir, settings);
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
