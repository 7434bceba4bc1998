import { Client, Pool } from 'pg';
import { startPgCluster, startPgReplica } from '@core/testing';
import type { PgClusterHandle } from '@core/testing';
import { InvalidOptionsError } from '../src';
import { PostgresInsight } from '../src/postgres';
import type { Finding, InsightReport } from '../src/postgres';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const of = (report: InsightReport, check: string): Finding[] => report.findings.filter((f) => f.check === check);

describe('PostgresInsight on a real cluster where each condition is made for real', () => {
  let cluster: PgClusterHandle;
  let pool: Pool;
  const sessions: Client[] = [];
  const session = async (): Promise<Client> => {
    const client = new Client({ connectionString: cluster.url });
    client.on('error', () => undefined);
    await client.connect();
    sessions.push(client);
    return client;
  };
  // Thresholds scaled to a small test database; the defaults are PgHero's.
  const insight = () =>
    new PostgresInsight(pool, { thresholds: { unusedIndexMinBytes: 1024 * 1024, longRunningQuerySeconds: 1, idleInTransactionSeconds: 1, deadTuplesMin: 100, connectionsShare: 0.01 } });

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new Pool({ connectionString: cluster.url, max: 3 });
    pool.on('error', () => undefined);
    await pool.query(`create table orders (id serial primary key, user_id int not null, status text not null, payload text not null);
      insert into orders (user_id, status, payload) select g % 5000, 'open', repeat(md5(g::text), 6) from generate_series(1, 200000) g;
      create index orders_user_id_idx on orders (user_id);
      create index orders_user_status_idx on orders (user_id, status);
      create table pairs (v int); insert into pairs values (1), (1);
      create table counters (id serial primary key, v int); select setval('counters_id_seq', 2000000000);
      create table churn (v int) with (autovacuum_enabled = false); insert into churn select generate_series(1, 2000); delete from churn where v > 100;
      create table locked (x int);
      select pg_create_physical_replication_slot('forgotten_slot', true);
      analyze;`);
    // A failed CREATE INDEX CONCURRENTLY (duplicate values under a unique index) leaves an invalid index.
    await expect(pool.query('create unique index concurrently pairs_v_key on pairs (v)')).rejects.toThrow(/could not create unique index/);
    // Large sequential scans read through a small ring buffer: the table cache hit rate falls below 99 %.
    for (let i = 0; i < 3; i++) await pool.query('select count(*) from orders where payload like $1', ['%zz%']);
  });
  afterAll(async () => {
    for (const client of sessions) await client.end().catch(() => undefined);
    await pool?.end();
    await cluster?.destroy();
  });

  it('reports each condition with advice and the SQL that fixes it', async () => {
    const sleeper = await session();
    void sleeper.query('select pg_sleep(20)').catch(() => undefined);
    const idle = await session();
    await idle.query('begin; select 1');
    const holder = await session();
    await holder.query('begin; lock table locked in share mode');
    const waiter = await session();
    void waiter.query('insert into locked values (1)').catch(() => undefined);
    await sleep(1500);

    const report = await insight().run();
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const sleeperPid = (sleeper as unknown as { processID: number }).processID;
    const holderPid = (holder as unknown as { processID: number }).processID;
    // The sleeper, and the blocked insert (active for as long as it waits).
    expect(of(report, 'long-running-queries')).toEqual(expect.arrayContaining([expect.objectContaining({ subject: `pid ${sleeperPid}`, fix: `SELECT pg_cancel_backend(${sleeperPid});` })]));
    // The idle session, and the lock holder (idle in its transaction too).
    expect(of(report, 'idle-in-transaction').map((f) => f.subject).sort()).toEqual([`pid ${(idle as unknown as { processID: number }).processID}`, `pid ${(holder as unknown as { processID: number }).processID}`].sort());
    expect(of(report, 'idle-in-transaction')[0]!.fix).toMatch(/^SELECT pg_terminate_backend\(\d+\);$/);
    expect(of(report, 'blocked-queries')).toEqual([expect.objectContaining({ subject: `pid ${(waiter as unknown as { processID: number }).processID}`, fix: `SELECT pg_cancel_backend(${holderPid});` })]);
    expect(of(report, 'unused-indexes').map((f) => f.subject).sort()).toEqual(['public.orders_user_id_idx', 'public.orders_user_status_idx']);
    expect(of(report, 'duplicate-indexes')).toEqual([expect.objectContaining({ subject: 'public.orders_user_id_idx', fix: 'DROP INDEX CONCURRENTLY "public"."orders_user_id_idx";' })]);
    expect(of(report, 'invalid-indexes')).toEqual([expect.objectContaining({ subject: 'public.pairs_v_key', fix: 'REINDEX INDEX CONCURRENTLY "public"."pairs_v_key";' })]);
    expect(of(report, 'sequences')).toEqual([expect.objectContaining({ subject: 'public.counters_id_seq', fix: expect.stringContaining('ALTER COLUMN "id" TYPE bigint') })]);
    expect(of(report, 'dead-tuples')).toEqual([expect.objectContaining({ subject: 'public.churn', fix: 'VACUUM (ANALYZE) "public"."churn";' })]);
    expect(of(report, 'cache-hit-rate').map((f) => f.subject)).toContain('table cache');
    expect(of(report, 'replication-slots')).toEqual([expect.objectContaining({ subject: 'forgotten_slot', fix: "SELECT pg_drop_replication_slot('forgotten_slot');" })]);
    expect(of(report, 'connections')).toHaveLength(1);
    // This cluster does not preload pg_stat_statements: the check says so and how to fix it, and is not a failure.
    expect(of(report, 'slow-queries')).toEqual([expect.objectContaining({ severity: 'info', fix: 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;' })]);
    expect(report.checks.find((c) => c.name === 'sizes')!.data).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'table', name: 'public.orders' })]));

    // The advice's SQL is real: running the duplicate index's fix removes the finding.
    await pool.query(of(report, 'duplicate-indexes')[0]!.fix!);
    expect(of(await insight().run(['duplicate-indexes']), 'duplicate-indexes')).toEqual([]);
    await holder.query('rollback');
    await idle.query('rollback');
  });

  it('still answers while a migration holds an ACCESS EXCLUSIVE lock: the check that needs the table answers stale', async () => {
    const monitor = insight();
    const before = await monitor.run();
    const migration = await session();
    await migration.query('begin; lock table orders in access exclusive mode');
    try {
      const started = Date.now();
      const during = await monitor.run();
      expect(Date.now() - started).toBeLessThan(10_000);
      // pg_total_relation_size needs a lock on the table: it waits lock_timeout (500 ms), then the last good sizes answer, marked stale.
      const sizes = during.checks.find((c) => c.name === 'sizes')!;
      const sizesBefore = before.checks.find((c) => c.name === 'sizes')!;
      expect(sizes).toMatchObject({ ok: false, stale: true, error: expect.stringMatching(/lock timeout/), at: sizesBefore.at, data: sizesBefore.data });
      // Checks reading statistics and catalogs answer fresh; any other that needed the table (pg_get_indexdef of
      // its indexes, when there are duplicates to describe) answers stale, with the lock timeout as its error.
      expect(during.checks.find((c) => c.name === 'unused-indexes')).toMatchObject({ ok: true, stale: false });
      for (const failed of during.checks.filter((c) => !c.ok)) expect(failed).toMatchObject({ stale: true, error: expect.stringMatching(/lock timeout/) });
      // A check that never answered has nothing to fall back on: not stale, no data, the error.
      const fresh = await insight().run(['sizes']);
      expect(fresh.checks[0]).toMatchObject({ ok: false, stale: false, data: [], at: undefined, error: expect.stringMatching(/lock timeout/) });
    } finally {
      await migration.query('rollback');
    }
  });

  it('reports a streaming replica that replays late (recovery_min_apply_delay), from the primary', async () => {
    const replica = await startPgReplica(cluster, { applyDelayMs: 8000 });
    try {
      const monitor = new PostgresInsight(pool, { thresholds: { replicationLagSeconds: 2 } });
      let lag: Finding[] = [];
      for (let i = 0; i < 40 && lag.length === 0; i++) {
        await pool.query('insert into orders (user_id, status, payload) values (1, $1, $2)', ['open', 'x']);
        await sleep(500);
        lag = of(await monitor.run(['replication-lag']), 'replication-lag');
      }
      expect(lag).toEqual([expect.objectContaining({ message: expect.stringMatching(/replays \d+\.\d s behind/) })]);
    } finally {
      await replica.destroy();
    }
  });

  it('reports transaction id age against the threshold (made reachable by a threshold above the whole range)', async () => {
    const report = await new PostgresInsight(pool, { thresholds: { wraparoundMinRemaining: 2146483648 } }).run(['transaction-id-wraparound']);
    expect(of(report, 'transaction-id-wraparound')).toEqual(expect.arrayContaining([expect.objectContaining({ subject: 'postgres', severity: 'critical' }), expect.objectContaining({ subject: 'public.orders', fix: 'VACUUM (FREEZE, VERBOSE) "public"."orders";' })]));
  });

  it('refuses bad thresholds and unknown checks with a typed error naming them', async () => {
    expect(() => new PostgresInsight(pool, { thresholds: { cacheHitRatePercent: -1 } })).toThrow(/thresholds.cacheHitRatePercent/);
    expect(() => new PostgresInsight(pool, { thresholds: { nope: 1 } as never })).toThrow(InvalidOptionsError);
    await expect(new PostgresInsight(pool).run(['no-such-check'])).rejects.toThrow(/unknown insight check no-such-check/);
  });
});

describe('slow queries from pg_stat_statements, measured by diffing snapshots (never resetting them)', () => {
  let cluster: PgClusterHandle;
  let pool: Pool;
  beforeAll(async () => {
    cluster = await startPgCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
    pool = new Pool({ connectionString: cluster.url, max: 1 });
    pool.on('error', () => undefined);
    await pool.query('create extension pg_stat_statements');
  });
  afterAll(async () => {
    await pool?.end();
    await cluster?.destroy();
  });

  const slowCalls = async (n: number) => {
    for (let i = 0; i < n; i++) await pool.query('select pg_sleep(0.022), $1::int as n', [i]);
  };

  it('reports a statement with ≥ 100 calls at ≥ 20 ms mean, then only what happened since the last snapshot', async () => {
    const insight = new PostgresInsight(pool);
    await slowCalls(110);
    const first = of(await insight.run(['slow-queries']), 'slow-queries');
    expect(first).toEqual([expect.objectContaining({ message: expect.stringMatching(/^110 calls averaging 2\d\.\d ms .* since pg_stat_statements was reset: select pg_sleep/) })]);
    // Nothing ran since: the window holds no new calls, so no finding — the server's totals were not reset.
    expect(of(await insight.run(['slow-queries']), 'slow-queries')).toEqual([]);
    expect(Number((await pool.query("select sum(calls) from pg_stat_statements where query like 'select pg_sleep%'")).rows[0].sum)).toBe(110);
    await slowCalls(105);
    const third = of(await insight.run(['slow-queries']), 'slow-queries');
    expect(third).toEqual([expect.objectContaining({ message: expect.stringMatching(/^105 calls averaging 2\d\.\d ms .* in the last 1 min/) })]);
    // Fast statements are never reported, however often they run.
    for (let i = 0; i < 200; i++) await pool.query('select $1::int + 1', [i]);
    expect(of(await insight.run(['slow-queries']), 'slow-queries').map((f) => f.details.query)).not.toContain('select $1::int + $2');
  });
});

