import pg from 'pg';
import { createPgSchema, settleWithin, startFaultProxy, startSilentServer, watchProcessFaults, type PgScratch } from '@core/testing';
import { MigrationDatabaseUnavailableError, MigrationFailedError, MigrationLockLostError, MigrationPreviouslyFailedError, Migrator } from '../src';
import { PostgresDriver } from '../src/postgres';
import { migrationsDir, queryPg, sql, tablesIn, type MigrationsDir } from './helpers';

const BOUND_MS = 20_000;

describe('migrations against a PostgreSQL that misbehaves', () => {
  let scratch: PgScratch;
  let dir: MigrationsDir;
  let watch: ReturnType<typeof watchProcessFaults>;
  const migrators: Migrator[] = [];
  const open = (options: Partial<ConstructorParameters<typeof Migrator>[0]> = {}, url = scratch.url) => {
    const m = new Migrator({ driver: new PostgresDriver({ connectionString: url, connectTimeoutMs: 1_000 }), directory: dir.path, ...options });
    migrators.push(m);
    return m;
  };

  beforeEach(async () => {
    scratch = await createPgSchema('migrate_faults');
    dir = await migrationsDir();
    watch = watchProcessFaults();
  });
  afterEach(async () => {
    for (const m of migrators.splice(0)) await m.close();
    await scratch.drop();
    await dir.remove();
    expect(watch.stop()).toEqual([]);
  });

  /** A session holding a long transaction that has read `table` (ACCESS SHARE), until released. */
  async function blocker(table: string): Promise<{ release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`SELECT * FROM ${table}`);
    return {
      release: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  it('DDL behind a long transaction gives up at its lock timeout (others are not queued behind it), is retried, and lands once the way is clear', async () => {
    await queryPg(scratch.url, `CREATE TABLE "${scratch.name}".accounts (id int)`);
    await dir.write('001_add_column.sql', sql('ALTER TABLE accounts ADD COLUMN plan text;', 'ALTER TABLE accounts DROP COLUMN plan;'));
    const tx = await blocker('accounts');
    const migrator = open({ lockTimeoutMs: 200, lockRetries: 1, lockRetryDelayMs: 50 });
    const failed = await migrator.up().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MigrationFailedError);
    // While the migration waited, another reader was never stuck behind it for long: the SELECT below
    // gets through now that it has given up.
    const report = await settleWithin([() => queryPg(scratch.url, `SELECT count(*) FROM "${scratch.name}".accounts`)], 5_000);
    expect(report.resolved).toBe(1);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['pending']);
    // A blocker that ends while retries remain: the migration lands on a retry.
    const second = await blocker('accounts');
    setTimeout(() => void second.release(), 300);
    await tx.release();
    expect(await open({ lockTimeoutMs: 200, lockRetries: 5, lockRetryDelayMs: 100 }).up()).toEqual(['001_add_column']);
  });

  it('a per-file lock timeout overrides the default', async () => {
    await queryPg(scratch.url, `CREATE TABLE "${scratch.name}".items (id int)`);
    await dir.write('001_slow_ok.sql', `-- migrate:lock-timeout 3s\n${sql('ALTER TABLE items ADD COLUMN note text;')}`);
    const tx = await blocker('items');
    setTimeout(() => void tx.release(), 400);
    expect(await open({ lockTimeoutMs: 50, lockRetries: 0 }).up()).toEqual(['001_slow_ok']);
  });

  it('a server that accepts and never answers: a typed error within the connect timeout', async () => {
    const silent = await startSilentServer('postgres');
    try {
      await dir.write('001_x.sql', sql('SELECT 1;'));
      const migrator = open({}, `postgres://postgres@127.0.0.1:${silent.port}/test`);
      const report = await settleWithin([() => migrator.status(), () => migrator.up()], BOUND_MS);
      console.log('migrate silent server', report);
      expect(report.pending).toBe(0);
      expect(Object.keys(report.errors)).toEqual(['MigrationDatabaseUnavailableError:MIGRATE_UNAVAILABLE']);
    } finally {
      await silent.stop();
    }
  });

  it('a reset network: typed errors, no crash, and it works again once the network is back', async () => {
    const port = Number(new URL(scratch.url).port || 5432);
    const proxy = await startFaultProxy({ port });
    try {
      await dir.write('001_t.sql', sql('CREATE TABLE t (id int);', 'DROP TABLE t;'));
      const migrator = open({}, proxy.url(scratch.url));
      await migrator.status(); // an idle connection is open
      proxy.reset(); // ... and is cut: the driver must not crash on its 'error' event
      const report = await settleWithin([() => migrator.status()], BOUND_MS);
      expect(report.pending).toBe(0);
      expect(Object.keys(report.errors)[0]).toMatch(/MigrationDatabaseUnavailableError/);
      await proxy.clear();
      expect(await migrator.up()).toEqual(['001_t']);
    } finally {
      await proxy.stop();
    }
  });

  it('losing the lock session mid-run stops the run before the next migration', async () => {
    await dir.write('001_slow.sql', sql('SELECT pg_sleep(1);'));
    await dir.write('002_next.sql', sql('CREATE TABLE next_one (id int);'));
    const migrator = open();
    const running = migrator.up().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 400));
    // Kill the session that holds the advisory lock (the operator's pg_terminate_backend, a failover…).
    await queryPg(scratch.url, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
    const error = await running;
    expect(error).toBeInstanceOf(MigrationLockLostError);
    expect((error as MigrationLockLostError).code).toBe('MIGRATE_LOCK_LOST');
    expect(await tablesIn(scratch.url, scratch.name)).not.toContain('next_one');
  });

  it('dry run of a CREATE INDEX CONCURRENTLY migration lists it without running it in the rolled-back transaction', async () => {
    await dir.write('001_t.sql', sql('CREATE TABLE t (id int);', 'DROP TABLE t;'));
    await dir.write('002_idx.sql', sql('CREATE INDEX CONCURRENTLY t_id ON t (id);', 'DROP INDEX CONCURRENTLY t_id;', { noTransaction: true }));
    const plan = await open().plan();
    expect(plan.migrations).toEqual([
      { name: '001_t', statements: ['CREATE TABLE t (id int);'], rehearsed: true },
      { name: '002_idx', statements: ['CREATE INDEX CONCURRENTLY t_id ON t (id)'], rehearsed: false },
    ]);
  });

  it('a migration outside a transaction that fails partway is recorded; up refuses until repair', async () => {
    await dir.write('001_half.sql', sql('CREATE TABLE half (id int);\nSELECT 1/0;', undefined, { noTransaction: true }));
    const migrator = open();
    await expect(migrator.up()).rejects.toBeInstanceOf(MigrationFailedError);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['failed']);
    expect(await tablesIn(scratch.url, scratch.name)).toContain('half'); // what ran before the failure stays
    await expect(migrator.up()).rejects.toBeInstanceOf(MigrationPreviouslyFailedError);
    await queryPg(scratch.url, `DROP TABLE "${scratch.name}".half`); // the operator cleans up...
    await dir.write('001_half.sql', sql('CREATE TABLE half (id int);', undefined, { noTransaction: true })); // ...and fixes the file
    expect(await migrator.repair()).toEqual(['001_half']);
    expect(await migrator.up()).toEqual(['001_half']);
  });
});

describe('MigrationDatabaseUnavailableError', () => {
  it('is what a refused connection becomes', async () => {
    const dir = await migrationsDir();
    const migrator = new Migrator({ driver: new PostgresDriver({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1_000 }), directory: dir.path });
    await expect(migrator.status()).rejects.toBeInstanceOf(MigrationDatabaseUnavailableError);
    await migrator.close();
    await dir.remove();
  });
});
