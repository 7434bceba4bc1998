import pg from 'pg';
import { startPgCluster, startPgReplica, type PgClusterHandle } from '@core/testing';
import type { Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity, type Account } from './entities';

// A throwaway primary (initdb in a temp dir) with two real streaming replicas (pg_basebackup -R):
// one caught up, one applying WAL 4 s late (recovery_min_apply_delay) to create real lag.
describe('read replicas (real streaming replication)', () => {
  let primary: PgClusterHandle;
  let fresh: PgClusterHandle;
  let lagging: PgClusterHandle;
  const open: Database[] = [];

  beforeAll(async () => {
    primary = await startPgCluster();
    const setup = await postgresDatabase({ url: primary.url, entities: [AccountEntity], synchronize: true });
    await setup.close();
    fresh = await startPgReplica(primary);
    lagging = await startPgReplica(primary, { applyDelayMs: 4_000 });
  }, 60_000);
  afterAll(async () => {
    for (const db of open) await db.close().catch(() => undefined);
    await lagging?.destroy();
    await fresh?.destroy();
    await primary?.destroy();
  });

  async function connect(replicaUrls: string[], options: { maxLagMs?: number; readYourWritesMs?: number } = {}): Promise<Database> {
    const db = await postgresDatabase({
      url: primary.url,
      replicaUrls,
      entities: [AccountEntity],
      replicas: { maxLagMs: options.maxLagMs ?? 1_000, lagCheckIntervalMs: 200 },
      routing: { readYourWritesMs: options.readYourWritesMs ?? 500 },
      endpoint: { failureThreshold: 2, halfOpenAfterMs: 500 },
    });
    open.push(db);
    return db;
  }

  async function replayedSomething(replica: PgClusterHandle): Promise<boolean> {
    const client = new pg.Client({ connectionString: replica.url });
    await client.connect();
    try {
      return (await client.query('SELECT pg_last_xact_replay_timestamp() IS NOT NULL AS ok')).rows[0].ok as boolean;
    } finally {
      await client.end();
    }
  }

  const onReplica = async (db: Database) => (await db.read<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]!.r;

  it('reads outside a transaction go to a replica; primary() and transactions use the primary', async () => {
    const db = await connect([fresh.url]);
    expect(await onReplica(db)).toBe(true);
    expect(await onReplica(db.primary())).toBe(false);
    const inTx = await db.transaction(async (tx) => (await tx.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]!.r);
    expect(inTx).toBe(false);
    expect(db.stats().replicas).toEqual([expect.objectContaining({ name: 'replica-1', healthy: true, breaker: 'closed' })]);
  });

  it('skips a replica lagging past the threshold', async () => {
    const db = await connect([lagging.url], { maxLagMs: 1_000 });
    await db.primary().repository<Account>(AccountEntity).create({ owner: 'lag-maker', balance: 1 });
    await new Promise((r) => setTimeout(r, 1_500)); // the lagging replica now holds un-replayed WAL
    await db.refreshReplicas();
    expect(db.stats().replicas[0]).toMatchObject({ healthy: false });
    expect(db.stats().replicas[0]!.lagMs).toBeGreaterThan(1_000);
    expect(await onReplica(db.session())).toBe(false);
  });

  it('after a write the same context reads from the primary for the window, then from the replica again', async () => {
    // The lagging replica counts as healthy here (huge threshold), so only read-your-writes keeps the read on the primary.
    // Until the lagging replica has replayed one transaction its lag is unknown (and it is skipped).
    for (let i = 0; i < 60 && !(await replayedSomething(lagging)); i++) await new Promise((r) => setTimeout(r, 200));
    const db = await connect([lagging.url], { maxLagMs: 3_600_000, readYourWritesMs: 800 });
    const session = db.session();
    const accounts = session.repository<Account>(AccountEntity);
    const created = await accounts.create({ owner: 'ryw', balance: 5 });
    expect(await accounts.getById(created.id)).toMatchObject({ owner: 'ryw' }); // primary: visible at once
    expect(await db.session().repository<Account>(AccountEntity).getById(created.id)).toBeUndefined(); // another context: the replica, 4 s behind
    await new Promise((r) => setTimeout(r, 900));
    expect(await onReplica(session)).toBe(true); // window over: back to the replica
  });

  it('a dead replica is skipped and the read still succeeds', async () => {
    const db = await connect([fresh.url]);
    expect(await onReplica(db)).toBe(true);
    await fresh.stop();
    try {
      expect(await onReplica(db)).toBe(false); // fell back to the primary
      await db.refreshReplicas();
      expect(db.stats().replicas[0]).toMatchObject({ healthy: false });
      expect(await onReplica(db)).toBe(false);
    } finally {
      await fresh.start();
    }
    await new Promise((r) => setTimeout(r, 600)); // past halfOpenAfterMs: the next lag check is the breaker's trial
    await db.refreshReplicas();
    expect(await onReplica(db)).toBe(true);
  });
});
