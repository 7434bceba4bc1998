import { startPgCluster, type PgClusterHandle } from '@core/testing';
import { CircuitOpenError, DatabaseUnavailableError, type Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity, type Account } from './entities';

// Stops a throwaway PostgreSQL (initdb in a temp dir) mid-run, not the shared test server, so tests
// of other packages running in parallel are not disturbed. It is always started again.
describe('circuit breaker (PostgreSQL stopped and restarted mid-run)', () => {
  let server: PgClusterHandle;
  let db: Database;
  beforeAll(async () => {
    server = await startPgCluster();
    db = await postgresDatabase({
      url: server.url,
      entities: [AccountEntity],
      synchronize: true,
      pool: { acquireTimeoutMs: 1_000 },
      endpoint: { failureThreshold: 3, halfOpenAfterMs: 1_000, readRetries: 1 },
    });
  }, 60_000);
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await server?.destroy();
  });

  it('fails fast with CircuitOpenError while the server is down, and recovers by itself', async () => {
    const accounts = db.repository<Account>(AccountEntity);
    const a = await accounts.create({ owner: 'before', balance: 1 });
    await server.stop();
    try {
      // The first calls reach the dead server and fail (each read also retries once) until the breaker opens.
      const first = await accounts.getById(a.id).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(DatabaseUnavailableError);
      for (let i = 0; i < 3 && db.stats().primary.breaker !== 'open'; i++) await accounts.getById(a.id).catch(() => undefined);
      expect(db.stats().primary.breaker).toBe('open');
      const total = db.stats().primary.pool.total;
      const refused = await accounts.getById(a.id).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CircuitOpenError);
      expect(db.stats().primary.pool.total).toBe(total); // no connection attempt behind an open breaker
      expect((await db.health()).status).toBe('down');
    } finally {
      await server.start();
    }
    await new Promise((r) => setTimeout(r, 1_100)); // half-open after 1 s: the next call is the trial
    expect(await accounts.getById(a.id)).toMatchObject({ owner: 'before' });
    expect(db.stats().primary.breaker).toBe('closed');
  }, 30_000);
});
