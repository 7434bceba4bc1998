import { IntegrityError } from '@core/backup';
import type { ProgressEvent, RetentionPolicy, SnapshotType } from '@core/backup';
import { drillPostgres, fetchWal, forgetPostgres, pgBaseBackup, pushedAhead, pushWal, recoverPostgres } from '@core/backup/postgres';
import type { RecoveryTarget } from '@core/backup/postgres';
import { Command, InvalidArgumentError, Option } from 'commander';
import { openBackupRepository } from '../backup-repository-for';
import type { Config } from '../config/config';
import { transferBar } from '../progress-bar';
import type { BackupIo } from './backup-command';

/** Exit status of `wal-get` for damaged WAL: above 125, so PostgreSQL aborts recovery instead of ending it there. */
const ABORT_RECOVERY = 128;

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function pgUrl(config: Config, url: string | undefined): string {
  const chosen = url ?? (config.database.kind === 'postgres' ? config.database.url : undefined);
  if (!chosen) throw new InvalidArgumentError('the profile has no PostgreSQL database: pass --url (a role with REPLICATION)');
  return chosen;
}

function checkOption(value: string, previous: Array<{ name: string; sql: string; expect?: string }> = []) {
  const match = /^([^=]+)=(.+?)(?:==(.*))?$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected name=SQL or name=SQL==expected');
  return [...previous, { name: match[1]!, sql: match[2]!, ...(match[3] !== undefined ? { expect: match[3] } : {}) }];
}

/** `core backup pg …`: base backups, WAL archiving (`archive_command` / `restore_command`), point-in-time restore, drills, retention. */
export function backupPgCommand(loadConfig: () => Config, io: BackupIo): Command {
  const command = new Command('pg').description('PostgreSQL physical backups: base backups, WAL archive, point-in-time recovery and restore drills.');
  const open = () => openBackupRepository(loadConfig());

  command
    .command('base')
    .description('Take a base backup of the cluster (pg_basebackup streamed, pages deduplicated against earlier ones).')
    .option('--url <url>', 'cluster to back up (default: the profile\'s DATABASE_URL); needs the REPLICATION attribute')
    .addOption(new Option('--type <type>', 'which earlier base backup is recorded as parent').choices(['full', 'incremental', 'differential']).default('incremental'))
    .option('--pages-per-chunk <n>', 'pages per stored chunk', Number)
    .option('--json', 'print the snapshot as JSON')
    .action(async (opts: { url?: string; type: SnapshotType; pagesPerChunk?: number; json?: boolean }) => {
      const bar = opts.json ? undefined : transferBar('base backup', undefined, io.progress);
      const { snapshot } = await pgBaseBackup(await open(), {
        url: pgUrl(loadConfig(), opts.url),
        type: opts.type,
        ...(opts.pagesPerChunk ? { pagesPerChunk: opts.pagesPerChunk } : {}),
        onProgress: (event: ProgressEvent) => bar?.update(event.bytes, event.bytes),
      }).finally(() => bar?.stop());
      if (opts.json) return io.stdout(`${JSON.stringify(snapshot, null, 2)}\n`);
      const t = snapshot.totals;
      io.stdout(`base backup ${snapshot.id.slice(0, 8)} of cluster ${snapshot.postgres.systemId}: WAL ${snapshot.postgres.startWal} … ${snapshot.postgres.endWal}\n`);
      io.stdout(`  ${t.files} files, ${MiB(t.bytesRead)} read, ${MiB(t.newBytesStored)} added in ${(t.durationMs / 1000).toFixed(1)} s\n`);
    });

  command
    .command('wal-push <path>')
    .description('archive_command = \'core backup pg wal-push %p\': archive one WAL file (the same file twice is fine; a different one under an archived name is refused), and up to --ahead other ready segments.')
    .option('--ahead <n>', 'also archive up to n other segments marked ready; the server\'s calls for them then return at once', Number, 8)
    .option('--spool <dir>', 'where notes of segments archived ahead are kept (default: core-wal-spool in the OS temp folder)')
    .action(async (path: string, opts: { ahead: number; spool?: string }) => {
      if (await pushedAhead(path, opts.spool)) return;
      await pushWal(await open(), path, { ahead: opts.ahead, ...(opts.spool ? { spoolDir: opts.spool } : {}) });
    });

  command
    .command('wal-get <name> <destination>')
    .description('restore_command = \'core backup pg wal-get %f %p\': exit 1 when the archive has no such file, 128 when it is damaged (recovery aborts).')
    .option('--system-id <id>', 'the cluster (default: the one whose global/pg_control is in the working directory)')
    .action(async (name: string, destination: string, opts: { systemId?: string }) => {
      try {
        if (!(await fetchWal(await open(), name, destination, opts.systemId ? { systemId: opts.systemId } : {}))) io.fail(1);
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        io.stdout(`core: ${error.code}: ${error.message}\n`);
        io.fail(ABORT_RECOVERY);
      }
    });

  command
    .command('restore <dataDir>')
    .description('Point-in-time recovery into an empty data directory: restore the base backup the target needs, replay archived WAL, promote, stop.')
    .option('--target-time <time>', 'ISO 8601 time with an offset')
    .option('--target-xid <xid>', 'transaction id')
    .option('--target-name <name>', 'restore point (pg_create_restore_point)')
    .option('--target-lsn <lsn>', 'WAL location')
    .option('--target-immediate', 'stop as soon as the base backup is consistent')
    .option('--exclusive', 'stop just before the target (time, xid, lsn)')
    .option('--snapshot <id>', 'start from this base backup')
    .option('--system-id <id>', 'the cluster, when the repository holds several')
    .option('--keep-running', 'leave the recovered server running on its port')
    .action(async (dataDir: string, opts: { targetTime?: string; targetXid?: string; targetName?: string; targetLsn?: string; targetImmediate?: boolean; exclusive?: boolean; snapshot?: string; systemId?: string; keepRunning?: boolean }) => {
      const target: RecoveryTarget = {
        ...(opts.targetTime ? { time: opts.targetTime } : {}),
        ...(opts.targetXid ? { xid: opts.targetXid } : {}),
        ...(opts.targetName ? { name: opts.targetName } : {}),
        ...(opts.targetLsn ? { lsn: opts.targetLsn } : {}),
        ...(opts.targetImmediate ? { immediate: true } : {}),
        ...(opts.exclusive ? { inclusive: false } : {}),
      };
      const result = await recoverPostgres(await open(), {
        dataDir,
        target,
        keepRunning: opts.keepRunning ?? false,
        ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
        ...(opts.systemId ? { systemId: opts.systemId } : {}),
      });
      io.stdout(`recovered base backup ${result.snapshot.id.slice(0, 8)} into ${result.dataDir} in ${(result.rtoMs / 1000).toFixed(1)} s (${result.walServed} WAL files)\n`);
      io.stdout(`  ${result.reached.line ?? `replayed to the end of the archive, ${result.reached.redoDoneAt ?? ''}`}${result.reached.lastTransactionTime ? `; last transaction at ${result.reached.lastTransactionTime}` : ''}\n`);
      io.stdout(opts.keepRunning ? `  running on port ${result.port} (socket in ${result.dataDir})\n` : '  stopped; start it as your cluster\n');
    });

  command
    .command('drill')
    .description('Restore drill: recover the latest base backup and WAL into a scratch cluster, pg_verifybackup + pg_amcheck + your checks, record the RTO.')
    .option('--check <name=SQL[==expected]>', 'a query to run on the recovered copy (repeatable)', checkOption)
    .option('--json', 'print the record as JSON')
    .action(async (opts: { check?: Array<{ name: string; sql: string; expect?: string }>; json?: boolean }) => {
      const record = await drillPostgres(await open(), { checks: opts.check ?? [] });
      if (opts.json) io.stdout(`${JSON.stringify(record, null, 2)}\n`);
      else {
        io.stdout(`drill ${record.ok ? 'passed' : 'FAILED'}: ${record.error ?? `RTO ${((record.rtoMs ?? 0) / 1000).toFixed(1)} s, newest restorable point ${record.newestRestorable?.time ?? 'unknown'}`}\n`);
        for (const check of record.checks) io.stdout(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.value !== undefined ? ` = ${check.value}` : ''}${check.message ? ` (${check.message})` : ''}\n`);
      }
      if (!record.ok) io.fail(1);
    });

  command
    .command('forget')
    .description('Retention for base backups and WAL: keep every second of --pitr-within, and the base backups the policy keeps.')
    .option('--pitr-within <duration>', 'restorable to any second within 1y2m3d4h', '7d')
    .option('--keep-daily <n>', 'base backups: the newest of n days', Number)
    .option('--keep-monthly <n>', 'base backups: the newest of n months', Number)
    .option('--keep-last <n>', 'base backups: the newest n', Number)
    .option('--dry-run', 'report, remove nothing')
    .action(async (opts: { pitrWithin: string; keepDaily?: number; keepMonthly?: number; keepLast?: number; dryRun?: boolean }) => {
      const policy: RetentionPolicy = { ...(opts.keepDaily !== undefined ? { daily: opts.keepDaily } : {}), ...(opts.keepMonthly !== undefined ? { monthly: opts.keepMonthly } : {}), ...(opts.keepLast !== undefined ? { last: opts.keepLast } : {}) };
      const report = await forgetPostgres(await open(), { policy, pitrWithin: opts.pitrWithin, dryRun: opts.dryRun ?? false });
      io.stdout(`keep ${report.keep.length} base backups (point-in-time from ${report.anchor?.id.slice(0, 8) ?? 'none'}), ${opts.dryRun ? 'would remove' : 'removed'} ${report.remove.length} and ${report.walRemoved.length} WAL files; ${report.walKept} WAL files kept\n`);
    });

  return command;
}
