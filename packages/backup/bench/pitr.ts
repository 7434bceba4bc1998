// PostgreSQL physical backup benchmark: @core/backup against pgBackRest 2.45 (Debian; local repository,
// zstd level 3, process-max 2, aes-256-cbc like ours is encrypted) and plain `pg_basebackup -Ft -z`, on one
// throwaway cluster with `pgbench -i -s 50` whose archive_command archives every segment into both repositories.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faster, report, runMain, smaller } from '@core/bench';
import type { Result } from '@core/bench';
import { startPgCluster } from '@core/testing';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const WORK = process.env.BENCH_DIR ?? '/tmp/core-pitr-bench';
const SCALE = Number(process.env.BENCH_PGBENCH_SCALE ?? 50);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const PASSPHRASE = 'bench passphrase, not a secret';

function ensurePeers(): void {
  if (spawnSync('sh', ['-c', 'command -v pgbackrest']).status === 0) return;
  console.log('installing pgbackrest with apt-get');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'pgbackrest'], { stdio: 'inherit' });
}

/** Wall seconds of a command run as the postgres user (pgBackRest and the server's tools refuse root). */
function timedAsPostgres(command: string, args: string[], env: Record<string, string> = {}): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const run = spawnSync('runuser', ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${(run.stderr || run.stdout).slice(-2000)}`);
  return { seconds, stdout: run.stdout };
}

function duBytes(path: string, ...exclude: string[]): number {
  return Number(execFileSync('du', ['-sb', ...exclude.map((name) => `--exclude=${name}`), path]).toString().split('\t')[0]);
}

function psql(url: string, sql: string): string {
  return execFileSync('psql', ['-XAtq', url, '-c', sql]).toString().trim();
}

async function waitArchived(url: string): Promise<void> {
  const segment = psql(url, 'select pg_walfile_name(pg_current_wal_lsn())');
  psql(url, 'select pg_switch_wal()');
  for (let i = 0; i < 6000; i++) {
    if (psql(url, "select coalesce(last_archived_wal, '') from pg_stat_archiver") >= segment) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`archiving stalled: ${psql(url, 'select failed_count, last_failed_wal from pg_stat_archiver')}`);
}

/** Starts a restored data directory and waits until it has promoted; resolves to the seconds that took. */
function startUntilPromoted(dataDir: string, port: number): number {
  const started = process.hrtime.bigint();
  timedAsPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-o', `-p ${port} -c listen_addresses='' -k ${dataDir} -c archive_mode=off`, '-l', join(dataDir, 'bench.log'), '-w', '-t', '3600', 'start']);
  for (;;) {
    const inRecovery = spawnSync('psql', ['-XAtq', '-h', dataDir, '-p', String(port), '-U', 'postgres', '-c', 'select pg_is_in_recovery()'], { encoding: 'utf8' });
    if (inRecovery.stdout.trim() === 'f') break;
    execFileSync('sleep', ['0.05']);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  ensurePeers();
  execFileSync('npx', ['nx', 'run', '@core/backup:build', '--output-style=stream'], { stdio: 'inherit' });
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  await chmod(WORK, 0o777);
  const ours = join(WORK, 'ours');
  const pgbr = join(WORK, 'pgbackrest');
  await mkdir(pgbr, { recursive: true });
  execFileSync('node', [join(HERE, 'ours-pg.mjs'), 'init', ours], { env: { ...process.env, BENCH_PASSPHRASE: PASSPHRASE } });
  execFileSync('chmod', ['-R', 'a+rwX', WORK]);
  execFileSync('chown', ['-R', 'postgres', pgbr]);
  const conf = join(WORK, 'pgbackrest.conf');
  const oursPush = `BENCH_PASSPHRASE='${PASSPHRASE}' ${process.execPath} ${join(HERE, 'ours-pg.mjs')} push ${ours} %p`;
  const pgbrArgs = [`--config=${conf}`, '--stanza=bench'];
  const cluster = await startPgCluster({
    settings: { archive_mode: 'on', archive_command: `umask 000 && pgbackrest ${pgbrArgs.join(' ')} archive-push %p && ${oursPush}`, max_wal_size: '2GB', checkpoint_timeout: '30min' },
  });
  try {
    await writeFile(
      conf,
      [
        '[global]',
        `repo1-path=${pgbr}`,
        'repo1-retention-full=10',
        'repo1-cipher-type=aes-256-cbc',
        `repo1-cipher-pass=${PASSPHRASE}`,
        'compress-type=zst',
        'compress-level=3',
        'process-max=2',
        'start-fast=y',
        'archive-check=n',
        `log-path=${WORK}`,
        `lock-path=${WORK}`,
        '',
        '[bench]',
        `pg1-path=${cluster.dataDir}`,
        `pg1-port=${cluster.port}`,
        `pg1-socket-path=${cluster.dataDir}`,
        '',
      ].join('\n'),
    );
    await chmod(conf, 0o644);
    timedAsPostgres('pgbackrest', [...pgbrArgs, 'stanza-create']);
    console.log(`pgbench -i -s ${SCALE}`);
    execFileSync(join(PG_BIN, 'pgbench'), ['-i', '-s', String(SCALE), '-q', cluster.url], { stdio: 'inherit' });
    psql(cluster.url, 'checkpoint');
    await waitArchived(cluster.url);
    const dbBytes = duBytes(cluster.dataDir, 'pg_wal');
    console.log(`cluster: ${(dbBytes / 1e6).toFixed(0)} MB`);

    // First base backups, each tool in turn.
    const oursFirst = timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'base', ours, cluster.url], { BENCH_PASSPHRASE: PASSPHRASE }).seconds;
    const oursAfterFirst = duBytes(ours, 'wal');
    const pgbrFirst = timedAsPostgres('pgbackrest', [...pgbrArgs, '--type=full', 'backup']).seconds;
    const pgbrFull = duBytes(join(pgbr, 'backup'));
    const plainDir = join(WORK, 'plain');
    const plain = timedAsPostgres(join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-D', plainDir, '-Ft', '-z', '-Xnone', '-c', 'fast']).seconds;
    const plainBytes = duBytes(plainDir);
    await rm(plainDir, { recursive: true, force: true });
    console.log(`first base backup: ours ${oursFirst.toFixed(1)} s, pgBackRest ${pgbrFirst.toFixed(1)} s, pg_basebackup -Ft -z ${plain.toFixed(1)} s`);

    // 1 % of the rows: pgbench's own transactions (random accounts), as many as 1 % of pgbench_accounts.
    const transactions = SCALE * 100_000 * 0.01;
    console.log(`pgbench: ${transactions} transactions`);
    execFileSync(join(PG_BIN, 'pgbench'), ['-n', '-c', '2', '-t', String(transactions / 2), cluster.url], { stdio: 'ignore' });
    psql(cluster.url, 'checkpoint');
    await waitArchived(cluster.url);
    const beforeSecond = duBytes(ours) - duBytes(join(ours, 'wal'));
    const oursSecond = timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'base', ours, cluster.url], { BENCH_PASSPHRASE: PASSPHRASE }).seconds;
    const oursSecondBytes = duBytes(ours) - duBytes(join(ours, 'wal')) - beforeSecond;
    const pgbrBefore = duBytes(join(pgbr, 'backup'));
    const pgbrSecond = timedAsPostgres('pgbackrest', [...pgbrArgs, '--type=incr', 'backup']).seconds;
    const pgbrSecondBytes = duBytes(join(pgbr, 'backup')) - pgbrBefore;
    console.log(`second base backup: ours ${oursSecond.toFixed(1)} s (${(oursSecondBytes / 1e6).toFixed(1)} MB stored), pgBackRest incr ${pgbrSecond.toFixed(1)} s (${(pgbrSecondBytes / 1e6).toFixed(1)} MB); pgBackRest full ${(pgbrFull / 1e6).toFixed(1)} MB`);

    // 1 % of the rows again, this time in one key range (recent rows: the usual shape of an OLTP day).
    psql(cluster.url, `update pgbench_accounts set abalance = abalance + 1 where aid <= ${transactions}`);
    psql(cluster.url, 'checkpoint');
    await waitArchived(cluster.url);
    const beforeThird = duBytes(ours, 'wal');
    const oursThird = timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'base', ours, cluster.url], { BENCH_PASSPHRASE: PASSPHRASE }).seconds;
    const oursThirdBytes = duBytes(ours, 'wal') - beforeThird;
    const pgbrBeforeThird = duBytes(join(pgbr, 'backup'));
    const pgbrThird = timedAsPostgres('pgbackrest', [...pgbrArgs, '--type=incr', 'backup']).seconds;
    const pgbrThirdBytes = duBytes(join(pgbr, 'backup')) - pgbrBeforeThird;
    console.log(`third base backup (1 % of rows in one range): ours ${oursThird.toFixed(1)} s (${(oursThirdBytes / 1e6).toFixed(1)} MB), pgBackRest incr ${pgbrThird.toFixed(1)} s (${(pgbrThirdBytes / 1e6).toFixed(1)} MB)`);

    // archive_command cost: 16 archived segments (fetched back from our archive into a pg_wal-like folder
    // with archive_status/*.ready) pushed in order, one process per segment as the server runs it, into
    // fresh repositories: ours one at a time, ours with --ahead 8, pgBackRest (synchronous archive-push).
    const walDir = join(WORK, 'wal-sample', 'pg_wal');
    await mkdir(join(walDir, 'archive_status'), { recursive: true });
    const segments = execFileSync(process.execPath, [join(HERE, 'ours-pg.mjs'), 'fetch-wal', ours, walDir, '16'], { env: { ...process.env, BENCH_PASSPHRASE: PASSPHRASE } }).toString().trim().split('\n');
    execFileSync('chmod', ['-R', 'a+rwX', join(WORK, 'wal-sample')]);
    const pushSeconds = async (label: string, push: (path: string) => number): Promise<number> => {
      for (const segment of segments) await writeFile(join(walDir, 'archive_status', `${segment}.ready`), '');
      let seconds = 0;
      for (const segment of segments) {
        seconds += push(join(walDir, segment));
        await rm(join(walDir, 'archive_status', `${segment}.ready`), { force: true });
      }
      console.log(`WAL push of ${segments.length} segments (${label}): ${seconds.toFixed(2)} s`);
      return seconds;
    };
    const freshOurs = async (name: string): Promise<string> => {
      const repo = join(WORK, name);
      execFileSync('node', [join(HERE, 'ours-pg.mjs'), 'init', repo], { env: { ...process.env, BENCH_PASSPHRASE: PASSPHRASE } });
      execFileSync('chmod', ['-R', 'a+rwX', repo]);
      return repo;
    };
    const pushOne = await freshOurs('push-ours');
    const pushAhead = await freshOurs('push-ours-ahead');
    const pushPgbr = join(WORK, 'push-pgbackrest');
    await mkdir(pushPgbr, { recursive: true });
    execFileSync('chown', ['-R', 'postgres', pushPgbr]);
    timedAsPostgres('pgbackrest', [...pgbrArgs, `--repo1-path=${pushPgbr}`, 'stanza-create']);
    const oursPushSeconds = await pushSeconds('ours, one at a time', (path) => timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'push', pushOne, path, '0'], { BENCH_PASSPHRASE: PASSPHRASE }).seconds);
    const oursAheadSeconds = await pushSeconds('ours, --ahead 8', (path) => timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'push', pushAhead, path, '8'], { BENCH_PASSPHRASE: PASSPHRASE }).seconds);
    const pgbrPushSeconds = await pushSeconds('pgBackRest archive-push', (path) => timedAsPostgres('pgbackrest', [...pgbrArgs, `--repo1-path=${pushPgbr}`, 'archive-push', path]).seconds);

    // PITR target 1,000 transactions after the newest base backup, then more WAL behind it.
    execFileSync(join(PG_BIN, 'pgbench'), ['-n', '-c', '1', '-t', '1000', cluster.url], { stdio: 'ignore' });
    const lsn = psql(cluster.url, 'select pg_current_wal_lsn()');
    const expected = psql(cluster.url, 'select sum(abalance) from pgbench_accounts');
    execFileSync(join(PG_BIN, 'pgbench'), ['-n', '-c', '1', '-t', '200', cluster.url], { stdio: 'ignore' });
    await waitArchived(cluster.url);
    // Restores take turns twice (ours, pgBackRest, ours, pgBackRest) and each tool's faster run counts: the
    // first restore meets the most pending disk writeback, whichever tool it is.
    let oursPitr = Infinity;
    let pgbrPitr = Infinity;
    for (let round = 1; round <= 2; round++) {
      const oursDir = join(WORK, 'restore-ours');
      const pgbrDir = join(WORK, 'restore-pgbackrest');
      await rm(oursDir, { recursive: true, force: true });
      await rm(pgbrDir, { recursive: true, force: true });
      const oursRun = timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'restore', ours, oursDir, lsn], { BENCH_PASSPHRASE: PASSPHRASE });
      const pgbrRestore = timedAsPostgres('pgbackrest', [...pgbrArgs, `--pg1-path=${pgbrDir}`, '--type=lsn', `--target=${lsn}`, '--target-action=promote', 'restore']).seconds;
      const pgbrStart = startUntilPromoted(pgbrDir, cluster.port + 1);
      startUntilPromoted(oursDir, cluster.port + 2);
      for (const [name, dir, port] of [['ours', oursDir, cluster.port + 2], ['pgBackRest', pgbrDir, cluster.port + 1]] as const) {
        const got = execFileSync('psql', ['-XAtq', '-h', dir, '-p', String(port), '-U', 'postgres', '-c', 'select sum(abalance) from pgbench_accounts']).toString().trim();
        if (got !== expected) throw new Error(`${name} restored a cluster whose balance sum is ${got}, expected ${expected}`);
        timedAsPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dir, '-m', 'fast', '-w', 'stop']);
      }
      oursPitr = Math.min(oursPitr, oursRun.seconds);
      pgbrPitr = Math.min(pgbrPitr, pgbrRestore + pgbrStart);
      console.log(`PITR restore round ${round}: ours ${oursRun.seconds.toFixed(1)} s to a promoted server, then stopped (${oursRun.stdout.trim().split('\n').at(-1)}); pgBackRest restore ${pgbrRestore.toFixed(1)} s + start to promotion ${pgbrStart.toFixed(1)} s`);
    }

    // The restore drill on the same repository: the RTO it measures and records goes next to these figures.
    const drill = JSON.parse(timedAsPostgres(process.execPath, [join(HERE, 'ours-pg.mjs'), 'drill', ours], { BENCH_PASSPHRASE: PASSPHRASE }).stdout.trim().split('\n').at(-1)!) as { ok: boolean; rtoMs: number; newestRestorable: unknown; checks: unknown };
    if (!drill.ok) throw new Error(`the restore drill failed: ${JSON.stringify(drill)}`);
    console.log(`restore drill: RTO ${drill.rtoMs} ms, newest restorable point ${JSON.stringify(drill.newestRestorable)}, checks ${JSON.stringify(drill.checks)}`);

    const mb = dbBytes / 1e6;
    const results: Result[] = [
      faster(`PostgreSQL base backup of pgbench -s ${SCALE} (${mb.toFixed(0)} MB)`, mb / oursFirst, 'pgBackRest 2.45', mb / pgbrFirst, 0.7, 'MB/s'),
      faster(`PostgreSQL base backup of pgbench -s ${SCALE} (${mb.toFixed(0)} MB)`, mb / oursFirst, 'pg_basebackup -Ft -z', mb / plain, undefined, 'MB/s'),
      faster(`PostgreSQL second base backup after ${transactions} pgbench transactions`, mb / oursSecond, 'pgBackRest 2.45 (incr)', mb / pgbrSecond, undefined, 'MB/s'),
      smaller(`PostgreSQL second base backup after ${transactions} random pgbench transactions: bytes stored vs a full pgBackRest backup`, 'MB', oursSecondBytes / 1e6, 'pgBackRest 2.45 (full)', pgbrFull / 1e6, 2),
      smaller(`PostgreSQL second base backup after ${transactions} random pgbench transactions: bytes stored vs pgBackRest's incremental`, 'MB', oursSecondBytes / 1e6, 'pgBackRest 2.45 (incr)', pgbrSecondBytes / 1e6),
      smaller(`PostgreSQL base backup after 1 % of rows changed in one key range: bytes stored vs a full pgBackRest backup`, 'MB', oursThirdBytes / 1e6, 'pgBackRest 2.45 (full)', pgbrFull / 1e6, 2),
      smaller(`PostgreSQL base backup after 1 % of rows changed in one key range: bytes stored vs pgBackRest's incremental`, 'MB', oursThirdBytes / 1e6, 'pgBackRest 2.45 (incr)', pgbrThirdBytes / 1e6),
      smaller(`PostgreSQL WAL push of ${segments.length} segments, a process per segment (archive_command)`, 'ms', Math.round(oursPushSeconds * 1000), 'pgBackRest 2.45', Math.round(pgbrPushSeconds * 1000)),
      smaller(`PostgreSQL WAL push of ${segments.length} segments, a process per segment, ours with --ahead 8`, 'ms', Math.round(oursAheadSeconds * 1000), 'pgBackRest 2.45', Math.round(pgbrPushSeconds * 1000)),
      smaller(`PostgreSQL first base backup: bytes stored`, 'MB', oursAfterFirst / 1e6, 'pg_basebackup -Ft -z', plainBytes / 1e6),
      smaller(`PostgreSQL PITR restore to 1,000 transactions after the base (to a promoted server, best of 2 alternating)`, 'ms', Math.round(oursPitr * 1000), 'pgBackRest 2.45', Math.round(pgbrPitr * 1000), 0.8),
    ];
    const path = join(HERE, 'results.json');
    const others = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Result[]).filter((r) => !r.case.startsWith('PostgreSQL')) : [];
    report(results, join(WORK, 'pitr-results.json'));
    writeFileSync(path, `${JSON.stringify([...others, ...results], null, 2)}\n`);
  } finally {
    await cluster.destroy();
  }
}

runMain(main);
