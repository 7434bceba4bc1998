import { createPgDatabase, settleWithin, startFaultProxy, startPgCluster, startSilentServer, watchProcessFaults, type FaultProxyHandle, type PgScratch } from '@core/testing';
import { DatabaseUnavailableError, OutcomeUnknownError, QueryTimeoutError, RepoError, type Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity, type Account } from './entities';

// A TCP proxy in front of the real PostgreSQL stalls, resets or refuses every connection. Each call
// must settle with a typed error well within a generous bound (a hang shows as `pending`), nothing may
// reach the process as an uncaught error, and the first call after the fault clears must succeed.
const BOUND_MS = 15_000;
const TIMEOUT_MS = 1_000;
const CALLERS = 16;

describe('PostgreSQL through a faulty network', () => {
  let scratch: PgScratch;
  let proxy: FaultProxyHandle;
  let db: Database;
  let watch: ReturnType<typeof watchProcessFaults>;
  let seeded: Account;

  beforeAll(async () => {
    scratch = await createPgDatabase('repo_faults');
    const port = Number(new URL(scratch.url).port || 5432);
    proxy = await startFaultProxy({ port });
    db = await postgresDatabase({ url: proxy.url(scratch.url), entities: [AccountEntity], synchronize: true, pool: { max: 4 }, endpoint: { timeoutMs: TIMEOUT_MS, failureThreshold: 1_000 } });
    seeded = await db.repository<Account>(AccountEntity).create({ owner: 'seed', balance: 1 });
  });
  beforeEach(() => (watch = watchProcessFaults()));
  afterEach(async () => {
    await proxy.clear();
    expect(watch.stop()).toEqual([]);
  });
  afterAll(async () => {
    await db?.close();
    await db?.close(); // idempotent
    await proxy?.stop();
    await scratch?.drop();
  });

  const accounts = () => db.repository<Account>(AccountEntity);
  const reads = () => Array.from({ length: CALLERS }, () => () => accounts().getById(seeded.id));

  async function recovers(): Promise<void> {
    expect(await accounts().getById(seeded.id)).toMatchObject({ id: seeded.id });
    expect(await accounts().create({ owner: 'after', balance: 2 })).toMatchObject({ owner: 'after' });
  }

  it('stall mid-traffic: every read and write settles with a typed error; service resumes when it clears', async () => {
    await accounts().getById(seeded.id); // warm connections
    proxy.stall();
    const report = await settleWithin([...reads(), ...Array.from({ length: 4 }, () => () => accounts().create({ owner: 'w', balance: 3 }))], BOUND_MS);
    console.log('stall mid-traffic', report);
    expect(report.pending).toBe(0);
    expect(report.resolved).toBe(0);
    for (const key of Object.keys(report.errors)) expect(key).toMatch(/^(QueryTimeoutError|DatabaseUnavailableError|OutcomeUnknownError):REPO_/);
    await proxy.clear();
    await recovers();
  });

  it('stalled sockets then reset (the network returns): no crash, typed errors, recovery', async () => {
    await accounts().getById(seeded.id);
    proxy.stall();
    const pending = settleWithin(reads(), BOUND_MS);
    await new Promise((r) => setTimeout(r, 300));
    proxy.reset();
    const report = await pending;
    console.log('stall then reset', report);
    expect(report.pending).toBe(0);
    await proxy.clear();
    await new Promise((r) => setTimeout(r, 100));
    await recovers();
  });

  it('reset of every connection: typed errors, recovery', async () => {
    await accounts().getById(seeded.id);
    proxy.reset();
    const report = await settleWithin(reads(), BOUND_MS);
    console.log('reset', report);
    expect(report.pending).toBe(0);
    for (const key of Object.keys(report.errors)) expect(key).toMatch(/:REPO_/);
    await proxy.clear();
    await recovers();
  });

  it('refused: DatabaseUnavailableError, recovery', async () => {
    await proxy.refuse();
    const report = await settleWithin(reads(), BOUND_MS);
    console.log('refused', report);
    expect(report.pending).toBe(0);
    expect(Object.keys(report.errors)).toEqual(['DatabaseUnavailableError:REPO_UNAVAILABLE']);
    await proxy.clear();
    await recovers();
  });

  it('a write whose outcome cannot be known is never reported as a timeout', async () => {
    await accounts().getById(seeded.id);
    proxy.stall();
    const error = await accounts().create({ owner: 'maybe', balance: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepoError);
    // The statement may or may not have reached the server: a caller must not retry it blindly.
    expect(error).not.toBeInstanceOf(QueryTimeoutError);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
  });
});

describe('a write that lands after its client-side deadline', () => {
  it('is reported as done (its result), not as a timeout a caller would retry', async () => {
    const scratch = await createPgDatabase('repo_landed');
    const proxy = await startFaultProxy({ port: Number(new URL(scratch.url).port || 5432) });
    const db = await postgresDatabase({ url: proxy.url(scratch.url), entities: [AccountEntity], synchronize: true, pool: { max: 1 } });
    try {
      const accounts = db.repository<Account>(AccountEntity);
      await accounts.create({ owner: 'warm', balance: 0 }, { timeoutMs: 400 }); // connection and its statement_timeout set
      // Every packet takes 300 ms each way: the INSERT runs at once on the server (well inside its
      // 400 ms statement_timeout) but its answer arrives after the client's 400 ms deadline, and the
      // cancel, sent through the same slow network, comes too late to stop it.
      proxy.delay(300);
      const created = await accounts.create({ owner: 'landed', balance: 7 }, { timeoutMs: 400 });
      expect(created).toMatchObject({ owner: 'landed', balance: 7 });
      proxy.delay(0);
      expect(await accounts.count({ owner: 'landed' })).toBe(1);
    } finally {
      await db.close();
      await proxy.stop();
      await scratch.drop();
    }
  }, 30_000);
});

describe('PostgreSQL cold start against a server that accepts and never answers', () => {
  it('fails with DatabaseUnavailableError and leaves no handle behind', async () => {
    const silent = await startSilentServer('postgres');
    try {
      const error = await postgresDatabase({ url: `postgres://postgres@127.0.0.1:${silent.port}/test`, entities: [AccountEntity], pool: { connectTimeoutMs: 1_000 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as DatabaseUnavailableError).code).toBe('REPO_UNAVAILABLE');
      expect((error as Error).message).not.toContain('postgres@');
    } finally {
      await silent.stop();
    }
  });
});

describe('PostgreSQL restarted under load (a throwaway cluster)', () => {
  it('calls during the restart settle typed; the first call after it succeeds without reopening', async () => {
    const cluster = await startPgCluster();
    const watch = watchProcessFaults();
    const db = await postgresDatabase({ url: cluster.url, entities: [AccountEntity], synchronize: true, pool: { max: 4 }, endpoint: { timeoutMs: TIMEOUT_MS, failureThreshold: 1_000 } });
    try {
      const accounts = db.repository<Account>(AccountEntity);
      const seed = await accounts.create({ owner: 'before', balance: 1 });
      await cluster.stop();
      const report = await settleWithin(Array.from({ length: 8 }, (_, i) => () => (i % 2 ? accounts.getById(seed.id) : accounts.create({ owner: 'during', balance: 2 }))), BOUND_MS);
      console.log('restart (server down)', report);
      expect(report.pending).toBe(0);
      expect(report.resolved).toBe(0);
      for (const key of Object.keys(report.errors)) expect(key).toMatch(/^(DatabaseUnavailableError|QueryTimeoutError|OutcomeUnknownError):REPO_/);
      await cluster.start();
      expect(await accounts.getById(seed.id)).toMatchObject({ owner: 'before' });
    } finally {
      await db.close();
      await cluster.destroy();
      expect(watch.stop()).toEqual([]);
    }
  }, 60_000);
});
