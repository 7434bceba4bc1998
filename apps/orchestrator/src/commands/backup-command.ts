import { readFile } from 'node:fs/promises';
import { diff, forget, prune, restore, stats, verify } from '@core/backup';
import type { ProgressEvent, Repository, RetentionPolicy, SnapshotRecord, SnapshotType } from '@core/backup';
import { restorePostgres } from '@core/backup/postgres';
import { restoreRedis } from '@core/backup/redis';
import { restoreSqlite } from '@core/backup/sqlite';
import { restoreVectorCollection } from '@core/backup/vector';
import { Command, InvalidArgumentError, Option } from 'commander';
import { initBackupRepository, openBackupRepository } from '../backup-repository-for';
import { SOURCE_KINDS } from '../backup-sources';
import type { SourceKind } from '../backup-sources';
import type { Config } from '../config/config';
import { runBackupJob } from '../jobs/backup-job';
import { backupPgCommand } from './backup-pg-command';
import { transferBar } from '../progress-bar';
import { vectorsFor } from '../vectors-for';

/** Output and exit status of a backup subcommand. */
export interface BackupIo {
  stdout(text: string): void;
  /** Where progress bars go (stderr). */
  progress: NodeJS.WritableStream;
  /** Sets the exit status without throwing (a verify that found problems). */
  fail(code: number): void;
  env: NodeJS.ProcessEnv;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1) throw new InvalidArgumentError('expected an integer ≥ 0, or -1 for all');
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Progress as a bar on stderr, or as JSON lines on stdout with `--json`. */
function progressReporter(io: BackupIo, json: boolean, label: string) {
  let bar: ReturnType<typeof transferBar> | undefined;
  return {
    onProgress(event: ProgressEvent) {
      if (json) return io.stdout(`${JSON.stringify({ event: 'progress', ...event })}\n`);
      bar ??= transferBar(label, event.totalBytes, io.progress);
      bar.update(event.bytes, event.totalBytes ?? event.bytes);
    },
    stop: () => bar?.stop(),
  };
}

function describeSnapshot(s: SnapshotRecord): string {
  return `${s.id.slice(0, 8)}  ${s.time}  ${s.type.padEnd(12)}  ${`${s.source.kind}:${s.source.identity}`.padEnd(40)}  ${MiB(s.totals.bytesTotal).padStart(10)}  ${s.tags.join(',')}`;
}

async function newPassphrase(io: BackupIo, file: string | undefined): Promise<string> {
  const value = file ? (await readFile(file, 'utf8')).trim() : io.env.BACKUP_NEW_PASSPHRASE;
  if (!value || value.length < 12) throw new InvalidArgumentError('the new passphrase (BACKUP_NEW_PASSPHRASE or --new-passphrase-file) must have at least 12 characters');
  return value;
}

/** `core backup …`: init, run, snapshots, restore, diff, stats, verify, forget, prune, unlock, key. */
export function backupCommand(loadConfig: () => Config, io: BackupIo): Command {
  const command = new Command('backup').description('Deduplicated, encrypted backups of folders and databases into the profile\'s backup repository.');
  const open = () => openBackupRepository(loadConfig());

  command
    .command('init')
    .description('Create the repository (production: in the profile\'s store under backups/, encrypted with BACKUP_PASSPHRASE).')
    .action(async () => {
      const repository = await initBackupRepository(loadConfig());
      io.stdout(`created repository ${repository.config.id.slice(0, 8)} at ${repository.describe()} (${repository.config.encrypted ? 'encrypted' : 'not encrypted'})\n`);
    });

  command
    .command('run <kind> [target]')
    .description(`Back up a source: ${SOURCE_KINDS.join(', ')} (sqlite/postgres/redis default to the profile's).`)
    .addOption(new Option('--type <type>', 'snapshot type').choices(['full', 'incremental', 'differential']).default('incremental'))
    .option('--tag <tag>', 'tag the snapshot (repeatable)', collect)
    .option('--include <glob>', 'folder: only paths matching (repeatable)', collect)
    .option('--exclude <glob>', 'folder: leave paths out (repeatable)', collect)
    .option('--force', 're-read every file even when unchanged')
    .option('--json', 'print progress and the result as JSON lines')
    .action(async (kind: string, target: string | undefined, opts: { type: SnapshotType; tag?: string[]; include?: string[]; exclude?: string[]; force?: boolean; json?: boolean }) => {
      if (!(SOURCE_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown source kind "${kind}"; expected one of ${SOURCE_KINDS.join(', ')}`);
      const reporter = progressReporter(io, opts.json ?? false, `backup ${kind}`);
      const result = await runBackupJob(
        loadConfig(),
        { kind: kind as SourceKind, ...(target ? { target } : {}), type: opts.type, ...(opts.tag ? { tags: opts.tag } : {}), ...(opts.include ? { include: opts.include } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}), ...(opts.force ? { force: true } : {}) },
        { onProgress: reporter.onProgress },
      ).finally(reporter.stop);
      const { snapshot, warnings } = result.backup;
      if (opts.json) return io.stdout(`${JSON.stringify({ event: 'done', snapshot, warnings })}\n`);
      const t = snapshot.totals;
      io.stdout(`snapshot ${snapshot.id.slice(0, 8)} saved (${snapshot.type}${snapshot.parent ? `, parent ${snapshot.parent.slice(0, 8)}` : ''})\n`);
      io.stdout(`  ${t.files} files, ${MiB(t.bytesTotal)} in all, ${MiB(t.bytesRead)} read, ${MiB(t.newBytesStored)} added to the repository in ${(t.durationMs / 1000).toFixed(1)} s\n`);
      for (const warning of warnings) io.stdout(`  warning: ${warning}\n`);
    });

  command
    .command('snapshots')
    .description('List snapshots, oldest first.')
    .option('--kind <kind>', 'only this source kind')
    .option('--tag <tag>', 'only snapshots with this tag')
    .option('--json', 'print JSON')
    .action(async (opts: { kind?: string; tag?: string; json?: boolean }) => {
      const all = (await (await open()).snapshots()).filter((s) => (!opts.kind || s.source.kind === opts.kind) && (!opts.tag || s.tags.includes(opts.tag)));
      if (opts.json) return io.stdout(`${JSON.stringify(all, null, 2)}\n`);
      if (all.length === 0) return io.stdout('no snapshots\n');
      for (const s of all) io.stdout(`${describeSnapshot(s)}\n`);
    });

  command
    .command('restore <snapshot> <target>')
    .description('Restore a snapshot (id prefix or "latest"): folders to a folder, sqlite to a file, postgres into a new database (target = its name), redis to a folder, vector into a new collection.')
    .option('--path <path>', 'folder snapshots: restore only this path')
    .option('--overwrite', 'restore into a non-empty folder / over an existing file')
    .action(async (id: string, target: string, opts: { path?: string; overwrite?: boolean }) => {
      const config = loadConfig();
      const repository = await open();
      const snapshot = await repository.snapshot(id);
      switch (snapshot.source.kind) {
        case 'sqlite':
          await restoreSqlite(repository, snapshot.id, target, { overwrite: opts.overwrite ?? false });
          break;
        case 'postgres': {
          if (config.database.kind !== 'postgres') throw new InvalidArgumentError('postgres restores need the profile\'s PostgreSQL (DATABASE_URL)');
          const url = new URL(config.database.url);
          url.pathname = `/${target}`;
          await restorePostgres(repository, snapshot.id, { url: url.toString() });
          break;
        }
        case 'redis':
          await restoreRedis(repository, snapshot.id, target, { overwrite: opts.overwrite ?? false });
          break;
        case 'vector': {
          const store = vectorsFor(config.vectors, { sweep: false });
          try {
            await restoreVectorCollection(repository, snapshot.id, store, target);
          } finally {
            await store.close();
          }
          break;
        }
        default: {
          const reporter = progressReporter(io, false, 'restore');
          const result = await restore(repository, snapshot.id, { target, ...(opts.path ? { path: opts.path } : {}), ...(opts.overwrite ? { overwrite: true } : {}), onProgress: reporter.onProgress }).finally(reporter.stop);
          return io.stdout(`restored ${result.files} files, ${result.dirs} folders, ${result.symlinks} symlinks (${MiB(result.bytes)}) to ${target}\n`);
        }
      }
      io.stdout(`restored ${snapshot.source.kind} snapshot ${snapshot.id.slice(0, 8)} to ${target}\n`);
    });

  command
    .command('diff <from> <to>')
    .description('What changed between two snapshots (+ added, - removed, M modified, T type, U metadata).')
    .action(async (from: string, to: string) => {
      const changes = await diff(await open(), from, to);
      if (changes.length === 0) io.stdout('no differences\n');
      for (const change of changes) io.stdout(`${change.change}  ${change.path}\n`);
    });

  command
    .command('stats')
    .description('Snapshots, packs, stored bytes and what deduplication and compression save.')
    .action(async () => {
      const s = await stats(await open());
      io.stdout(`${JSON.stringify(s, null, 2)}\n`);
    });

  command
    .command('verify')
    .description('Check structure and references; --read-data also reads packs (all, --subset n/t, or --percent x of the least recently read).')
    .option('--read-data', 'read and authenticate every blob')
    .option('--subset <n/t>', 'read one t-th of the packs')
    .option('--percent <x>', 'read x % of the packs, least recently read first', Number)
    .option('--json', 'print the report as JSON')
    .action(async (opts: { readData?: boolean; subset?: string; percent?: number; json?: boolean }) => {
      const readData = opts.subset ? { subset: opts.subset } : opts.percent !== undefined ? { percent: opts.percent } : (opts.readData ?? false);
      const report = await verify(await open(), { readData });
      if (opts.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        io.stdout(`${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs; ${report.packsRead} packs read (${MiB(report.bytesRead)})\n`);
        for (const warning of report.warnings) io.stdout(`warning: ${warning}\n`);
        for (const error of report.errors) io.stdout(`error: ${error.message}\n`);
        io.stdout(report.ok ? 'no errors were found\n' : `${report.errors.length} errors were found\n`);
      }
      if (!report.ok) io.fail(1);
    });

  command
    .command('forget')
    .description('Remove snapshots by a retention policy (restic forget semantics), per source; --prune frees the data.')
    .option('--keep-last <n>', 'keep the newest n', count)
    .option('--keep-hourly <n>', 'keep the newest of n hours', count)
    .option('--keep-daily <n>', 'keep the newest of n days', count)
    .option('--keep-weekly <n>', 'keep the newest of n ISO weeks', count)
    .option('--keep-monthly <n>', 'keep the newest of n months', count)
    .option('--keep-yearly <n>', 'keep the newest of n years', count)
    .option('--keep-within <duration>', 'keep everything within 1y2m3d4h of the newest')
    .option('--keep-tag <tag>', 'keep snapshots with this tag (repeatable)', collect)
    .option('--timezone <zone>', 'IANA zone whose calendar decides buckets (default: each snapshot\'s own offset)')
    .option('--dry-run', 'print what would be kept and why; remove nothing')
    .option('--allow-remove-all', 'allow a policy that removes every snapshot of a source')
    .option('--prune', 'prune after forgetting')
    .action(async (opts: Record<string, unknown>) => {
      const policy: RetentionPolicy = {};
      for (const [option, field] of [['keepLast', 'last'], ['keepHourly', 'hourly'], ['keepDaily', 'daily'], ['keepWeekly', 'weekly'], ['keepMonthly', 'monthly'], ['keepYearly', 'yearly']] as const) {
        if (opts[option] !== undefined) policy[field] = opts[option] as number;
      }
      if (opts.keepWithin) policy.within = opts.keepWithin as string;
      if (opts.keepTag) policy.tags = (opts.keepTag as string[]).map((tag) => [tag]);
      if (opts.timezone) policy.timezone = opts.timezone as string;
      const repository = await open();
      const groups = await forget(repository, policy, { dryRun: Boolean(opts.dryRun), allowRemoveAll: Boolean(opts.allowRemoveAll) });
      for (const group of groups) {
        io.stdout(`${group.key}: keep ${group.keep.length}, remove ${group.remove.length}\n`);
        for (const kept of group.keep) io.stdout(`  keep    ${describeSnapshot(kept.snapshot)}  (${kept.reasons.join(', ')})\n`);
        for (const removed of group.remove) io.stdout(`  ${opts.dryRun ? 'would remove' : 'removed'} ${describeSnapshot(removed)}\n`);
      }
      if (opts.prune && !opts.dryRun) await printPrune(io, repository, 0.05);
    });

  command
    .command('prune')
    .description('Delete data no snapshot uses; repack partly used packs past --max-unused (default 5 %).')
    .option('--max-unused <fraction>', 'unused share tolerated in partly used packs', Number, 0.05)
    .option('--dry-run', 'report, change nothing')
    .action(async (opts: { maxUnused: number; dryRun?: boolean }) => {
      await printPrune(io, await open(), opts.maxUnused, opts.dryRun ?? false);
    });

  command
    .command('unlock')
    .description('Remove stale locks (of dead processes, or not refreshed for 30 minutes); --remove-all removes every lock.')
    .option('--remove-all', 'remove live locks too (only when you know no backup is running)')
    .action(async (opts: { removeAll?: boolean }) => {
      io.stdout(`removed ${await (await open()).unlock(opts.removeAll ?? false)} lock(s)\n`);
    });

  const key = command.command('key').description('Passphrases of the repository (the new one comes from BACKUP_NEW_PASSPHRASE or --new-passphrase-file).');
  key
    .command('list')
    .description('List keys.')
    .action(async () => {
      for (const k of await (await open()).listKeys()) io.stdout(`${k.current ? '*' : ' '} ${k.id.slice(0, 8)}  ${k.created}  ${k.username}@${k.host}\n`);
    });
  key
    .command('add')
    .description('Add a passphrase.')
    .option('--new-passphrase-file <file>', 'read the new passphrase from a file')
    .action(async (opts: { newPassphraseFile?: string }) => {
      io.stdout(`added key ${(await (await open()).addKey(await newPassphrase(io, opts.newPassphraseFile))).slice(0, 8)}\n`);
    });
  key
    .command('remove <id>')
    .description('Remove a key (not the one in use).')
    .action(async (id: string) => {
      await (await open()).removeKey(id);
      io.stdout(`removed key ${id}\n`);
    });
  key
    .command('passwd')
    .description('Replace the passphrase in use.')
    .option('--new-passphrase-file <file>', 'read the new passphrase from a file')
    .action(async (opts: { newPassphraseFile?: string }) => {
      io.stdout(`replaced the key in use by ${(await (await open()).changePassphrase(await newPassphrase(io, opts.newPassphraseFile))).slice(0, 8)}; set BACKUP_PASSPHRASE to the new passphrase\n`);
    });

  command.addCommand(backupPgCommand(loadConfig, io));

  return command;
}

async function printPrune(io: BackupIo, repository: Repository, maxUnused: number, dryRun = false): Promise<void> {
  const report = await prune(repository, { maxUnused, dryRun });
  io.stdout(`${dryRun ? 'would delete' : 'deleted'} ${report.packsDeleted} unused and ${report.orphanPacks} unreferenced packs, ${dryRun ? 'would repack' : 'repacked'} ${report.packsRepacked}; ${MiB(report.bytesFreed)} freed\n`);
}
