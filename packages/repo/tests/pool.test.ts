import { createPgDatabase, type PgScratch } from '@core/testing';
import { BulkheadFullError, type Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity } from './entities';

describe('pool insight, leak detection and bulkhead (PostgreSQL)', () => {
  let scratch: PgScratch;
  let db: Database;
  beforeAll(async () => {
    scratch = await createPgDatabase('repo_pool');
    db = await postgresDatabase({ url: scratch.url, entities: [AccountEntity], synchronize: true, pool: { max: 3 }, endpoint: { bulkhead: 3, bulkheadQueue: 2 } });
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  it('shows checked-out connections, waiting callers and utilisation while busy, and reports a connection held too long with the stack that took it', async () => {
    const slow = Array.from({ length: 3 }, () => db.read('SELECT pg_sleep(0.6)'));
    const queued = db.read('SELECT 1');
    await new Promise((r) => setTimeout(r, 300));
    const busy = db.stats().primary;
    expect(busy.pool).toMatchObject({ total: 3, checkedOut: 3, max: 3, utilisation: 100 });
    expect(busy.pool.idle).toBe(0);
    const leaks = db.leaks(200);
    expect(leaks).toHaveLength(3);
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(200);
    expect(leaks[0]!.stack).toContain('pool.test.ts'); // where the connection was taken
    expect(db.leaks(5_000)).toEqual([]);
    await Promise.all([...slow, queued]);
    expect(db.stats().primary.pool).toMatchObject({ checkedOut: 0, utilisation: 0 });
    expect(db.leaks(0)).toEqual([]);
  });

  it('the bulkhead refuses calls beyond its running + queued limit', async () => {
    const calls = Array.from({ length: 6 }, () => db.read('SELECT pg_sleep(0.3)').then(() => 'ok', (e: unknown) => e));
    const results = await Promise.all(calls);
    expect(results.map((r) => (r === 'ok' ? r : (r as Error).name))).toEqual(expect.arrayContaining(['ok']));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r instanceof BulkheadFullError)).toHaveLength(1);
  });
});
