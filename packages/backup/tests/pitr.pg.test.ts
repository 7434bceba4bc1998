import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PgClusterHandle } from '@core/testing';
import type { Repository } from '../src';
import { pgBaseBackup, recoverPostgres } from '../src/sources/postgres';
import type { RecoveryTarget } from '../src/sources/postgres';
import { tempDir } from './fixtures';
import { archiveAll, psql, psqlSocket, sharedRepository, startArchivingCluster } from './pitr-fixtures';

jest.setTimeout(300_000);

describe('point-in-time recovery (modelled on PostgreSQL src/test/recovery/t/003_recovery_targets.pl)', () => {
  let work: string;
  let cluster: PgClusterHandle;
  let repository: Repository;
  const targets: Record<string, RecoveryTarget> = {};

  beforeAll(async () => {
    work = await tempDir('core-pitr-');
    const shared = await sharedRepository(work);
    repository = shared.repository;
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
});
