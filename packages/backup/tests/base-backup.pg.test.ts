import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PgClusterHandle } from '@core/testing';
import { InvalidOptionsError, TargetNotEmptyError, TargetUnreachableError, verify, WalConflictError } from '../src';
import type { Repository } from '../src';
import { pgBaseBackup, pgBaseSnapshots, pushWal, recoverPostgres } from '../src/sources/postgres';
import { tempDir } from './fixtures';
import { archiveAll, archiveCommand, psql, sharedRepository, startArchivingCluster } from './pitr-fixtures';

jest.setTimeout(300_000);

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** pg_dumpall of a server, for comparing two clusters' contents. */
function dumpAll(args: string[]): string {
  const dump = execFileSync(join(PG_BIN, 'pg_dumpall'), ['-U', 'postgres', '--no-role-passwords', ...args], { maxBuffer: 256 * 1024 * 1024 }).toString();
  // pg_dump's \restrict / \unrestrict lines carry a random key per run.
  return dump.replace(/^\\(un)?restrict .*$/gm, '');
}

describe('PostgreSQL base backups', () => {
  let work: string;
  let root: string;
  let cluster: PgClusterHandle;
  let repository: Repository;

  beforeAll(async () => {
    work = await tempDir('core-basebackup-');
    ({ root, repository } = await sharedRepository(work));
    cluster = await startArchivingCluster(root);
    execFileSync(join(PG_BIN, 'pgbench'), ['-i', '-s', '4', '-q', cluster.url], { stdio: 'ignore' });
  });
  afterAll(async () => {
    await cluster?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  it('backs up while pgbench writes, and the recovered cluster equals the source at the target (pg_dumpall)', async () => {
    const load = spawn(join(PG_BIN, 'pgbench'), ['-c', '2', '-T', '6', '-n', cluster.url], { stdio: 'ignore' });
    const finished = new Promise((resolve) => load.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 1000));
    const { snapshot } = await pgBaseBackup(repository, { url: cluster.url });
    expect(snapshot.postgres).toMatchObject({ timeline: 1, pgVersion: '15', segmentBytes: 16 * 1024 * 1024, startWal: expect.stringMatching(/^[0-9A-F]{24}$/) });
    expect(snapshot.totals.bytesRead).toBeGreaterThan(50 * 1024 * 1024);
    expect(await finished).toBe(0);
    const lsn = psql(cluster.url, 'select pg_current_wal_lsn()');
    const expected = dumpAll(['-h', '127.0.0.1', '-p', String(cluster.port)]);
    execFileSync(join(PG_BIN, 'pgbench'), ['-c', '1', '-t', '200', '-n', cluster.url], { stdio: 'ignore' });
    await archiveAll(cluster.url);
    const dataDir = join(work, 'restored');
    const result = await recoverPostgres(repository, { dataDir, target: { lsn } });
    try {
      expect(dumpAll(['-h', dataDir, '-p', String(result.port)])).toBe(expected);
    } finally {
      await result.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the second base backup stores only the pages that changed', async () => {
    psql(cluster.url, 'vacuum');
    psql(cluster.url, 'checkpoint');
    await pgBaseBackup(repository, { url: cluster.url });
    const before = await pgBaseSnapshots(repository);
    execFileSync(join(PG_BIN, 'pgbench'), ['-c', '1', '-t', '300', '-n', cluster.url], { stdio: 'ignore' });
    const { snapshot } = await pgBaseBackup(repository, { url: cluster.url });
    expect(snapshot.type).toBe('incremental');
    expect(snapshot.parent).toBe(before.at(-1)!.id);
    // 300 transactions touch at most ~1,500 of the ~11,000 pages (heap, index, history): 4-page chunks store well under a third.
    expect(snapshot.totals.newBytes).toBeLessThan(snapshot.totals.bytesRead * 0.3);
  });

  it('a base backup killed with SIGKILL leaves the repository usable, and the next one works', async () => {
    const tsx = require.resolve('tsx/package.json').replace(/package\.json$/, 'dist/loader.mjs');
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', `file://${tsx}`, join(__dirname, 'base-backup-child.ts'), root, cluster.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const count = (await pgBaseSnapshots(repository)).length;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        if (/progress/.test(data.toString())) resolve();
        if (/done/.test(data.toString())) reject(new Error('the backup finished before it could be killed'));
      });
      child.once('exit', () => reject(new Error('the child exited before it was killed')));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await pgBaseSnapshots(repository)).length).toBe(count);
    await repository.unlock(true);
    await pgBaseBackup(repository, { url: cluster.url });
    expect((await pgBaseSnapshots(repository)).length).toBe(count + 1);
    const report = await verify(repository);
    expect(report.errors).toEqual([]);
  });

  it('pushing the same segment twice is fine; a different file under an archived name is refused', async () => {
    const segment = await archiveAll(cluster.url);
    const copy = join(work, segment);
    await copyFile(join(cluster.dataDir, 'pg_wal', segment), copy).catch(async () => {
      // Recycled already: take any segment still in pg_wal.
      throw new Error(`segment ${segment} is gone from pg_wal`);
    });
    await expect(pushWal(repository, copy)).resolves.toMatchObject({ name: segment, status: 'already-archived' });
    const other = execFileSync('ls', [join(cluster.dataDir, 'pg_wal')]).toString().split('\n').find((name) => /^[0-9A-F]{24}$/.test(name) && name !== segment)!;
    await copyFile(join(cluster.dataDir, 'pg_wal', other), join(work, 'renamed'));
    await expect(pushWal(repository, join(work, 'renamed'))).rejects.toThrow(InvalidOptionsError);
    const forged = join(work, 'forged', segment);
    execFileSync('mkdir', ['-p', join(work, 'forged')]);
    const bytes = await readFile(copy);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(forged, bytes);
    await expect(pushWal(repository, forged)).rejects.toThrow(WalConflictError);
  });

  it('archives ready segments ahead when asked, and the server\'s own calls for them return without opening the repository', async () => {
    const spool = join(work, 'spool');
    const log = join(work, 'push.log');
    psql(cluster.url, "alter system set archive_command = 'exit 1'");
    psql(cluster.url, 'select pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 4; i++) {
      psql(cluster.url, 'insert into pgbench_history select * from pgbench_history limit 100');
      psql(cluster.url, 'select pg_switch_wal()');
    }
    psql(cluster.url, `alter system set archive_command = '${archiveCommand(root, { WAL_AHEAD: '8', WAL_SPOOL: spool, WAL_LOG: log }).replace(/'/g, "''")}'`);
    psql(cluster.url, 'select pg_reload_conf()');
    await archiveAll(cluster.url);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^[0-9A-F]{24} archived ahead=[0-9A-F]{24},/);
    expect(lines.filter((line) => line.endsWith(' noted')).length).toBeGreaterThanOrEqual(3);
    expect((await verify(repository)).errors).toEqual([]);
    psql(cluster.url, 'alter system reset archive_command');
    psql(cluster.url, 'select pg_reload_conf()');
  });

  it('refuses conflicting, unreachable and malformed targets, and a non-empty data directory, before writing anything', async () => {
    const dataDir = join(work, 'never');
    await expect(recoverPostgres(repository, { dataDir, target: { time: new Date(), xid: 1234 } })).rejects.toThrow(InvalidOptionsError);
    await expect(recoverPostgres(repository, { dataDir, target: { name: 'x', inclusive: false } })).rejects.toThrow(/inclusive/);
    await expect(recoverPostgres(repository, { dataDir, target: { lsn: 'nope' } })).rejects.toThrow(/target.lsn/);
    await expect(recoverPostgres(repository, { dataDir, target: { time: '2001-01-01T00:00:00Z' } })).rejects.toThrow(TargetUnreachableError);
    await expect(recoverPostgres(repository, { dataDir, target: { time: new Date(Date.now() + 3_600_000) } })).rejects.toThrow(TargetUnreachableError);
    await expect(recoverPostgres(repository, { dataDir, target: { lsn: 'FF/0' } })).rejects.toThrow(TargetUnreachableError);
    expect(existsSync(dataDir)).toBe(false);
    await expect(recoverPostgres(repository, { dataDir: work })).rejects.toThrow(TargetNotEmptyError);
  });
});
