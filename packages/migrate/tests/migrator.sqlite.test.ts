import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MigrationFailedError, MigrationLockedError, Migrator, createMigration } from '../src';
import { SqliteDriver } from '../src/sqlite';
import { migrationsDir, sql, type MigrationsDir } from './helpers';

describe('Migrator on SQLite', () => {
  let dir: MigrationsDir;
  let dataDir: string;
  let file: string;
  const open = (lock?: { wait: boolean; timeoutMs?: number }) =>
    new Migrator({ driver: new SqliteDriver({ database: file }), directory: dir.path, ...(lock ? { lock } : {}) });
  const tables = () => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    dir = await migrationsDir();
    dataDir = await mkdtemp(join(tmpdir(), 'core-sqlite-'));
    file = join(dataDir, 'app.sqlite');
    await dir.write('001_users.sql', sql('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);', 'DROP TABLE users;'));
    await dir.write('002_email_index.sql', sql('CREATE INDEX users_email ON users (email);', 'DROP INDEX users_email;'));
  });

  afterEach(async () => {
    await dir.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a freshly created, still empty migration lists as pending; up refuses it before running anything', async () => {
    const created = await createMigration(dir.path, 'not_written_yet');
    const migrator = open();
    try {
      const status = await migrator.status();
      expect(status.map((s) => [s.state, s.empty ?? false])).toEqual([['pending', false], ['pending', false], ['pending', true]]);
      await expect(migrator.up()).rejects.toThrow(`${created}: the up section is empty`);
      expect(tables()).not.toContain('users'); // refused before the first migration ran
      expect(await migrator.up({ step: 2 })).toEqual(['001_users', '002_email_index']); // what comes before it still runs
    } finally {
      await migrator.close();
    }
  });

  it('applies, reports and reverts', async () => {
    const migrator = open();
    expect(await migrator.up()).toEqual(['001_users', '002_email_index']);
    expect(tables()).toEqual(['core_migrations', 'users']);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['applied', 'applied']);
    expect(await migrator.down({ to: 0 })).toEqual(['002_email_index', '001_users']);
    expect(tables()).toEqual(['core_migrations']);
    await migrator.close();
  });

  it('a failing migration is undone while the ones before it are kept', async () => {
    await dir.write('003_broken.sql', sql('CREATE TABLE audit (id INTEGER);\nINSERT INTO nowhere VALUES (1);', 'DROP TABLE audit;'));
    const migrator = open();
    const error = await migrator.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as Error).message).toMatch(/003_broken failed \(up\): no such table: nowhere/);
    expect(tables()).toEqual(['core_migrations', 'users']);
    expect((await migrator.status()).map((s) => `${s.name}:${s.state}`)).toEqual(['001_users:applied', '002_email_index:applied', '003_broken:pending']);
    await migrator.close();
  });

  it('takes an exclusive lock: a second connection fails fast while it is held', async () => {
    const holder = new SqliteDriver({ database: file });
    await holder.ensureHistory();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holding = holder.withLock({ wait: false, timeoutMs: 0 }, () => held);
    const impatient = open({ wait: false });
    await expect(impatient.up()).rejects.toBeInstanceOf(MigrationLockedError);
    release();
    await holding;
    expect(await impatient.up()).toEqual(['001_users', '002_email_index']);
    await impatient.close();
    await holder.close();
  });

  it('dry run writes nothing', async () => {
    const migrator = open();
    const plan = await migrator.plan();
    expect(plan.migrations.map((m) => [m.name, m.statements.length])).toEqual([['001_users', 1], ['002_email_index', 1]]);
    await migrator.close();
    expect(tables()).toEqual([]);
  });

  it('verify catches a down that forgets the index', async () => {
    await dir.write('003_orders.sql', sql('CREATE TABLE orders (id INTEGER);\nCREATE INDEX orders_id ON orders (id);', 'DROP TABLE orders;'));
    await dir.write('004_bad.sql', sql('CREATE INDEX users_id_email ON users (id, email);', 'SELECT 1;'));
    const migrator = open();
    await migrator.up({ to: '001_users' });
    const report = await migrator.verify();
    expect(report).toMatchObject({ ok: false, migration: '004_bad', step: 'down', checked: ['002_email_index', '003_orders', '004_bad'] });
    await migrator.close();
  });
});
