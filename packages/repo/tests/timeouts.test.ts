import pg from 'pg';
import { createPgDatabase, type PgScratch } from '@core/testing';
import { QueryTimeoutError, type Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity } from './entities';

describe('timeouts that really stop the query (PostgreSQL)', () => {
  let scratch: PgScratch;
  let db: Database;
  beforeAll(async () => {
    scratch = await createPgDatabase('repo_timeouts');
    db = await postgresDatabase({ url: scratch.url, entities: [AccountEntity], synchronize: true, pool: { max: 2 } });
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  async function sleepersRunning(): Promise<number> {
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    try {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`);
      return rows[0].n as number;
    } finally {
      await admin.end();
    }
  }

  it('a query past its deadline is cancelled on the server, the caller gets QueryTimeoutError, the connection comes back', async () => {
    const started = db.read('SELECT pg_sleep(30)', [], { timeoutMs: 400 });
    await new Promise((r) => setTimeout(r, 150));
    expect(await sleepersRunning()).toBe(1); // it is really running on the server...
    await expect(started).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(await sleepersRunning()).toBe(0); // ...and really stopped there
    expect(db.stats().primary.pool.checkedOut).toBe(0);
    // Both pool connections are usable again (neither was left busy with the sleeper).
    await Promise.all([db.read('SELECT 1'), db.read('SELECT 2')]);
  });

  it('each call can have its own deadline; a fast call is unaffected', async () => {
    await expect(db.query('SELECT pg_sleep(30)', [], { timeoutMs: 200 })).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(await db.read<{ one: number }>('SELECT 1 AS one', [], { timeoutMs: 5_000 })).toEqual([{ one: 1 }]);
    await expect(db.transaction(async (tx) => void (await tx.query('SELECT pg_sleep(30)')), { timeoutMs: 300 })).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(await sleepersRunning()).toBe(0);
  });
});
