import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, startPgCluster } from '@core/testing';
import type { PgClusterHandle } from '@core/testing';
import { runCore } from './helpers';

jest.setTimeout(300_000);

const PG_BIN = '/usr/lib/postgresql/15/bin';
const psql = (url: string, sql: string) => execFileSync('psql', ['-XAtq', url, '-v', 'ON_ERROR_STOP=1', '-c', sql]).toString().trim();

/** The `core` CLI from source, as the server runs it for archive_command (its own OS user, its own environment). */
function coreCommand(env: Record<string, string>): string {
  const tsx = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  const vars = Object.entries(env).map(([key, value]) => `${key}='${value}'`).join(' ');
  return `umask 000 && ${vars} node --conditions=@core/source --import ${tsx} ${resolve(__dirname, '../src/main.ts')}`;
}

async function archiveAll(url: string): Promise<string> {
  const segment = psql(url, 'select pg_walfile_name(pg_current_wal_lsn())');
  psql(url, 'select pg_switch_wal()');
  for (let i = 0; i < 600; i++) {
    if (psql(url, "select coalesce(last_archived_wal, '') from pg_stat_archiver") >= segment) return segment;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not archived: ${psql(url, 'select last_failed_wal from pg_stat_archiver')}`);
}

describe('core backup pg (archive_command and restore through the CLI, test profile)', () => {
  let work: string;
  let cluster: PgClusterHandle;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'core-backup-pg-'));
    await chmod(work, 0o777);
    env = { CORE_ENV: 'test', DATA_DIR: join(work, 'data'), BACKUP_PASSPHRASE: 'a long test passphrase' };
    await mkdir(env.DATA_DIR!, { recursive: true });
    expect(await runCore(env, 'backup', 'init')).toMatchObject({ code: 0 });
    execFileSync('chmod', ['-R', 'a+rwX', work]);
    cluster = await startPgCluster({ settings: { archive_mode: 'on', archive_command: `${coreCommand(env)} backup pg wal-push %p` } });
    psql(cluster.url, 'create table orders as select generate_series(1, 500) as id');
  });
  afterAll(async () => {
    await cluster?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  it('takes a base backup, archives WAL through wal-push, drills, and restores to a time with the rows of that time', async () => {
    const base = await runCore(env, 'backup', 'pg', 'base', '--url', cluster.url, '--json');
    expect(base.code).toBe(0);
    const systemId = (JSON.parse(base.out) as { postgres: { systemId: string } }).postgres.systemId;
    psql(cluster.url, 'insert into orders select generate_series(501, 1000)');
    await new Promise((r) => setTimeout(r, 1100));
    const time = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    psql(cluster.url, 'insert into orders select generate_series(1001, 1500)');
    const segment = await archiveAll(cluster.url);

    const drill = await runCore(env, 'backup', 'pg', 'drill', '--check', 'orders=select count(*) from orders==1500');
    expect(drill).toMatchObject({ code: 0, out: expect.stringMatching(/^drill passed: RTO \d+\.\d s/) });
    expect(drill.out).toContain('ok   orders = 1500');

    const fetched = join(work, 'fetched');
    expect(await runCore(env, 'backup', 'pg', 'wal-get', segment, fetched, '--system-id', systemId)).toMatchObject({ code: 0 });
    expect((await readFile(fetched)).length).toBe(16 * 1024 * 1024);
    expect(await runCore(env, 'backup', 'pg', 'wal-get', 'FFFFFFFF0000000000000001', fetched, '--system-id', systemId)).toMatchObject({ code: 1 });

    const dataDir = join(work, 'restored');
    const restored = await runCore(env, 'backup', 'pg', 'restore', dataDir, '--target-time', time);
    expect(restored).toMatchObject({ code: 0, out: expect.stringContaining('recovery stopping before commit') });
    // The recovery settings are gone: the directory starts as a plain copy of the source.
    expect(await readFile(join(dataDir, 'postgresql.auto.conf'), 'utf8')).not.toContain('restore_command');
    const port = await freePort();
    const asPostgres = (tool: string, ...args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]);
    asPostgres('pg_ctl', '-D', dataDir, '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c archive_mode=off`, '-l', join(dataDir, 'run.log'), '-w', 'start');
    try {
      expect(psql(`postgres://postgres@127.0.0.1:${port}/postgres`, 'select count(*) from orders')).toBe('1000');
    } finally {
      asPostgres('pg_ctl', '-D', dataDir, '-m', 'fast', '-w', 'stop');
    }

    const forget = await runCore(env, 'backup', 'pg', 'forget', '--pitr-within', '1d', '--dry-run');
    expect(forget).toMatchObject({ code: 0, out: expect.stringMatching(/^keep 1 base backups/) });
  });
});
