import { existsSync } from 'node:fs';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgClusterHandle } from '@core/testing';
import { IntegrityError, listDrills, verify, WalMissingError } from '../src';
import type { Repository } from '../src';
import { drillPostgres, forgetPostgres, listWal, pgBaseBackup, pgBaseSnapshots, recoverPostgres } from '../src/sources/postgres';
import type { RecoveryTarget } from '../src/sources/postgres';
import { tempDir } from './fixtures';
import { archiveAll, psql, psqlSocket, sharedRepository, startArchivingCluster } from './pitr-fixtures';

jest.setTimeout(300_000);

describe('point-in-time recovery (modelled on PostgreSQL src/test/recovery/t/003_recovery_targets.pl)', () => {
  let work: string;
  let cluster: PgClusterHandle;
  let repository: Repository;
  let root: string;
  const targets: Record<string, RecoveryTarget> = {};

  beforeAll(async () => {
    work = await tempDir('core-pitr-');
    const shared = await sharedRepository(work);
    repository = shared.repository;
    root = shared.root;
    cluster = await startArchivingCluster(shared.root);
    psql(cluster.url, 'create table tab_int as select generate_series(1, 1000) as a');
    await pgBaseBackup(repository, { url: cluster.url });
    psql(cluster.url, 'insert into tab_int select generate_series(1001, 2000)');
    await new Promise((r) => setTimeout(r, 1100));
    targets.time = { time: psql(cluster.url, "select to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')") };
    await new Promise((r) => setTimeout(r, 1100));
    const xid = psql(cluster.url, 'begin; insert into tab_int select generate_series(2001, 3000); select pg_current_xact_id(); commit;').split('\n')[0]!;
    targets.xid = { xid };
    psql(cluster.url, 'insert into tab_int select generate_series(3001, 4000)');
    psql(cluster.url, "select pg_create_restore_point('my_target')");
    targets.name = { name: 'my_target' };
    psql(cluster.url, 'insert into tab_int select generate_series(4001, 5000)');
    targets.lsn = { lsn: psql(cluster.url, 'select pg_current_wal_lsn()') };
    psql(cluster.url, 'insert into tab_int select generate_series(5001, 6000)');
    await archiveAll(cluster.url);
  });
  afterAll(async () => {
    await cluster?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['immediate', { immediate: true }, 1000],
    ['time', 'time', 2000],
    ['xid', 'xid', 3000],
    ['name', 'name', 4000],
    ['lsn', 'lsn', 5000],
    ['latest', { latest: true }, 6000],
  ] as Array<[string, RecoveryTarget | string, number]>)('recovers to the %s target with the rows it implies', async (label, target, rows) => {
    const dataDir = join(work, `restore-${label}`);
    const result = await recoverPostgres(repository, { dataDir, target: typeof target === 'string' ? targets[target]! : target });
    try {
      expect(psqlSocket(dataDir, result.port, 'select count(*) from tab_int')).toBe(String(rows));
      expect(psqlSocket(dataDir, result.port, 'select pg_is_in_recovery()')).toBe('f');
      if (label !== 'latest') expect(result.reached.line).toMatch(/recovery stopping/);
      expect(result.rtoMs).toBeGreaterThan(0);
    } finally {
      await result.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('runs a restore drill: recovers into a scratch cluster, checks it, records the RTO and the newest restorable point', async () => {
    const scratchBefore = (await readdir(tmpdir())).filter((name) => name.startsWith('core-drill-'));
    const record = await drillPostgres(repository, { checks: [{ name: 'rows', sql: 'select count(*) from tab_int', expect: '6000' }] });
    expect(record).toMatchObject({ kind: 'postgres', ok: true, checks: expect.arrayContaining([{ name: 'pg_verifybackup', ok: true, value: 'ok' }, { name: 'pg_amcheck', ok: true, value: 'ok' }, { name: 'rows', ok: true, value: '6000' }]) });
    expect(record.rtoMs).toBeGreaterThan(0);
    expect(record.newestRestorable?.time).toMatch(/^\d{4}-\d\d-\d\d /);
    const failing = await drillPostgres(repository, { checks: [{ name: 'rows', sql: 'select count(*) from tab_int', expect: '5999' }] });
    expect(failing).toMatchObject({ ok: false, rtoMs: undefined, checks: expect.arrayContaining([{ name: 'rows', ok: false, value: '6000', message: 'got "6000", expected "5999"' }]) });
    expect((await listDrills(repository, 'postgres')).map((d) => d.ok)).toEqual([true, false]);
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('core-drill-'))).toEqual(scratchBefore);
  });

  it('forgets base backups and old WAL without breaking any kept restore window', async () => {
    psql(cluster.url, 'insert into tab_int select generate_series(6001, 7000)');
    await pgBaseBackup(repository, { url: cluster.url });
    psql(cluster.url, 'insert into tab_int select generate_series(7001, 8000)');
    await archiveAll(cluster.url);
    await pgBaseBackup(repository, { url: cluster.url });
    psql(cluster.url, 'insert into tab_int select generate_series(8001, 9000)');
    await archiveAll(cluster.url);
    const [first, second, third] = await pgBaseSnapshots(repository);
    // One hour after the second backup ended: the window's start falls between the second and the third.
    const now = new Date(new Date(second!.postgres.stopTime).getTime() + 3_600_000 + 1);
    expect(new Date(third!.postgres.stopTime).getTime()).toBeGreaterThan(now.getTime() - 3_600_000);
    const walBefore = await listWal(repository, first!.postgres.systemId);
    const report = await forgetPostgres(repository, { policy: { last: 1 }, pitrWithin: '1h', now });
    expect(report.anchor?.id).toBe(second!.id);
    expect(report.remove.map((s) => s.id)).toEqual([first!.id]);
    expect(report.keep.map((k) => k.snapshot.id)).toEqual([second!.id, third!.id]);
    const walAfter = await listWal(repository, first!.postgres.systemId);
    expect(report.walRemoved.length).toBeGreaterThan(0);
    expect(walAfter.length).toBe(walBefore.length - report.walRemoved.length);
    expect(report.walRemoved.every((name) => name < second!.postgres.startWal)).toBe(true);
    // Every second after the anchor is still restorable: the anchor itself to its newest point.
    const dataDir = join(work, 'after-forget');
    const result = await recoverPostgres(repository, { dataDir, snapshot: second!.id });
    try {
      expect(psqlSocket(dataDir, result.port, 'select count(*) from tab_int')).toBe('9000');
    } finally {
      await result.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    expect((await verify(repository)).errors).toEqual([]);
  });

  it('finds a flipped bit and a missing segment in archived WAL, and restore refuses both', async () => {
    const latest = (await pgBaseSnapshots(repository)).at(-1)!.postgres;
    const victim = (await listWal(repository, latest.systemId)).filter((file) => file.kind === 'segment' && file.name >= latest.startWal)[0]!;
    const path = join(root, victim.key);
    const original = await readFile(path);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1]! ^= 0x10;
    await writeFile(path, flipped);
    const damaged = await verify(repository, { readData: true });
    expect(damaged.errors).toEqual([expect.objectContaining({ kind: 'wal-damaged', object: victim.key })]);
    const dataDir = join(work, 'refused');
    await expect(recoverPostgres(repository, { dataDir })).rejects.toThrow(IntegrityError);

    await writeFile(path, original);
    await rm(dataDir, { recursive: true, force: true });
    await rename(path, `${path}.aside`);
    const gap = await verify(repository);
    expect(gap.errors).toEqual([expect.objectContaining({ kind: 'wal-missing', message: expect.stringContaining(victim.name) })]);
    const refused = recoverPostgres(repository, { dataDir });
    await expect(refused).rejects.toThrow(WalMissingError);
    await expect(refused).rejects.toMatchObject({ missing: [victim.name] });
    expect(existsSync(dataDir)).toBe(false);
    await rename(`${path}.aside`, path);
    expect((await verify(repository, { readData: true })).ok).toBe(true);
  });
});
