import pg from 'pg';
import { createPgDatabase, startPgCluster, startPgReplica, type PgClusterHandle, type PgScratch } from '@core/testing';
import { EntitySchema } from 'typeorm';
import type { Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity, type Account } from './entities';

describe('PostgreSQL specifics', () => {
  let scratch: PgScratch;
  const open: Database[] = [];
  beforeAll(async () => {
    scratch = await createPgDatabase('repo_specifics');
  });
  afterAll(async () => {
    for (const db of open) await db.close();
    await scratch.drop();
  });

  it('a keyset cursor over timestamptz keeps microseconds: no row repeats or vanishes between pages', async () => {
    const db = await postgresDatabase({ url: scratch.url, entities: [AccountEntity], synchronize: true });
    open.push(db);
    // Six rows within one millisecond, inserted in an order unlike their ids.
    for (const micros of [600, 100, 500, 200, 400, 300]) {
      await db.query(`INSERT INTO accounts (owner, balance, created_at) VALUES ($1, 0, $2::timestamptz)`, [`u${micros}`, `2026-01-01 00:00:00.000${micros}+00`]);
    }
    const owners: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await db.repository<Account>(AccountEntity).getMany({ orderBy: { createdAt: 'asc' }, limit: 2, ...(cursor ? { cursor } : {}) });
      owners.push(...page.items.map((a) => a.owner));
      cursor = page.nextCursor;
    } while (cursor);
    expect(owners).toEqual(['u100', 'u200', 'u300', 'u400', 'u500', 'u600']);
  });

  it('the schema option quotes schema and table apart, and statements of two schemas do not collide', async () => {
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    await admin.query('CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b');
    await admin.end();
    const entity = () => new EntitySchema<Account>({ ...AccountEntity.options, indices: [] });
    const a = await postgresDatabase({ url: scratch.url, schema: 'tenant_a', entities: [entity()], synchronize: true, pool: { max: 1 } });
    const b = await postgresDatabase({ url: scratch.url, schema: 'tenant_b', entities: [entity()], synchronize: true, pool: { max: 1 } });
    open.push(a, b);
    const inA = await a.repository<Account>('Account').create({ owner: 'in-a', balance: 1 });
    await b.repository<Account>('Account').create({ owner: 'in-b', balance: 2 });
    expect((await a.repository<Account>('Account').getById(inA.id))?.owner).toBe('in-a');
    expect((await b.repository<Account>('Account').getById(inA.id))?.owner).toBe('in-b');
    expect(await a.repository<Account>('Account').count()).toBe(1);
  });
});

describe('a replica whose WAL receiver is disconnected', () => {
  let primary: PgClusterHandle;
  let replica: PgClusterHandle;
  beforeAll(async () => {
    primary = await startPgCluster();
    replica = await startPgReplica(primary);
  }, 60_000);
  afterAll(async () => {
    await replica?.destroy();
    await primary?.destroy();
  });

  it('is not reported as caught up (lag 0) but as unknown, and is skipped', async () => {
    const db = await postgresDatabase({ url: primary.url, replicaUrls: [replica.url], entities: [AccountEntity], synchronize: true, replicas: { lagCheckIntervalMs: 60_000 } });
    try {
      // The tables synchronize just created reach the standby a moment later: until it has replayed them it
      // is behind with no commit replayed yet (lag unknown), so wait for it to catch up first.
      for (let i = 0; i < 100; i++) {
        await db.refreshReplicas();
        if (db.stats().replicas[0]?.lagMs === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(db.stats().replicas[0]).toMatchObject({ lagMs: 0, healthy: true });
      await primary.stop(); // the standby's WAL receiver loses its primary
      await db.refreshReplicas();
      const state = db.stats().replicas[0]!;
      expect(state.lagMs).not.toBe(0);
      expect(state.healthy).toBe(false);
    } finally {
      await primary.start();
      await db.close();
    }
  }, 60_000);
});
