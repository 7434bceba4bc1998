import { createPgSchema, type PgScratch } from '@core/testing';
import {
  ChecksumMismatchError,
  InvalidMigrationError,
  MigrationFailedError,
  MigrationLockedError,
  Migrator,
  type MigrationProgress,
} from '../src';
import { PostgresDriver } from '../src/postgres';
import { migrationsDir, queryPg, sql, tablesIn, type MigrationsDir } from './helpers';

describe('Migrator on PostgreSQL', () => {
  let scratch: PgScratch;
  let dir: MigrationsDir;
  let migrator: Migrator;
  const open = (lock?: { wait: boolean; timeoutMs?: number }) =>
    new Migrator({ driver: new PostgresDriver({ connectionString: scratch.url }), directory: dir.path, ...(lock ? { lock } : {}) });

  beforeEach(async () => {
    scratch = await createPgSchema('migrate');
    dir = await migrationsDir();
    await dir.write('001_users.sql', sql('CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);', 'DROP TABLE users;'));
    await dir.write('002_orders.sql', sql('CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));', 'DROP TABLE orders;'));
    await dir.write(
      '003_seed.ts',
      `export async function up(db) { await db.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"); }
       export async function down(db) { await db.execute('DELETE FROM users WHERE id = 1'); }`,
    );
    migrator = open();
  });

  afterEach(async () => {
    await migrator.close();
    await scratch.drop();
    await dir.remove();
  });

  it('a schema option naming a schema that does not exist yet creates it', async () => {
    const fresh = `${scratch.name}_new`;
    const url = new URL(scratch.url);
    url.searchParams.delete('options');
    const m = new Migrator({ driver: new PostgresDriver({ connectionString: url.toString(), schema: fresh }), directory: dir.path });
    try {
      expect(await m.up()).toEqual(['001_users', '002_orders', '003_seed']);
      expect(await tablesIn(scratch.url, fresh)).toEqual(['core_migrations', 'orders', 'users']);
    } finally {
      await m.close();
      await queryPg(scratch.url, `DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
    }
  });

  it('up applies every pending migration in order, records checksums, and a second up does nothing', async () => {
    const progress: MigrationProgress[] = [];
    migrator.on('progress', (p) => progress.push(p));
    expect(await migrator.up()).toEqual(['001_users', '002_orders', '003_seed']);
    expect(await migrator.up()).toEqual([]);
    expect(await tablesIn(scratch.url, scratch.name)).toEqual(['core_migrations', 'orders', 'users']);
    expect(await queryPg(scratch.url, 'SELECT email FROM users')).toEqual([{ email: 'ada@example.com' }]);
    const status = await migrator.status();
    expect(status.map((s) => [s.name, s.state])).toEqual([['001_users', 'applied'], ['002_orders', 'applied'], ['003_seed', 'applied']]);
    expect(status[0]!.appliedChecksum).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.filter((p) => p.event === 'migrated').map((p) => `${p.index}/${p.total} ${p.name}`)).toEqual([
      '1/3 001_users', '2/3 002_orders', '3/3 003_seed',
    ]);
  });

  it('up --step and --to; down --step, --to and to 0', async () => {
    expect(await migrator.up({ step: 1 })).toEqual(['001_users']);
    expect(await migrator.up({ to: '002_orders' })).toEqual(['002_orders']);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['applied', 'applied', 'pending']);
    await migrator.up();
    expect(await migrator.down()).toEqual(['003_seed']);
    expect(await migrator.down({ to: '002_orders' })).toEqual(['002_orders']);
    await migrator.up();
    expect(await migrator.down({ step: 2 })).toEqual(['003_seed', '002_orders']);
    expect(await migrator.down({ to: 0 })).toEqual(['001_users']);
    expect(await tablesIn(scratch.url, scratch.name)).toEqual(['core_migrations']);
    await expect(migrator.up({ to: '009_nope' })).rejects.toBeInstanceOf(InvalidMigrationError);
    await expect(migrator.up({ step: 0 })).rejects.toBeInstanceOf(InvalidMigrationError);
  });

  it('stops on an applied migration whose file changed, naming the file and both checksums; repair accepts it', async () => {
    await migrator.up();
    const before = (await migrator.status())[0]!.appliedChecksum!;
    const file = await dir.write('001_users.sql', sql('CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL); -- edited', 'DROP TABLE users;'));
    await dir.write('004_more.sql', sql('CREATE TABLE more (id int);', 'DROP TABLE more;'));
    const error = await migrator.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    const mismatch = error as ChecksumMismatchError;
    expect(mismatch.message).toContain(file);
    expect(mismatch.message).toContain(before);
    expect(mismatch.message).toContain(mismatch.currentChecksum);
    expect(await tablesIn(scratch.url, scratch.name)).not.toContain('more');
    await expect(migrator.validate()).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect((await migrator.status())[0]!.state).toBe('changed');
    expect(await migrator.repair()).toEqual(['001_users']);
    await migrator.validate();
    expect(await migrator.up()).toEqual(['004_more']);
  });

  it('baseline marks an existing schema as applied up to a version', async () => {
    await queryPg(scratch.url, 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)');
    expect(await migrator.baseline('001')).toEqual(['001_users']);
    expect((await migrator.status())[0]!.state).toBe('baseline');
    expect(await migrator.up()).toEqual(['002_orders', '003_seed']);
    await expect(migrator.baseline('999')).rejects.toBeInstanceOf(InvalidMigrationError);
  });

  it('a failing migration leaves schema and history exactly as before, and names itself and the database message', async () => {
    await migrator.up();
    await dir.write('004_broken.sql', sql('CREATE TABLE audit (id int);\nINSERT INTO missing_table VALUES (1);', 'DROP TABLE audit;'));
    const error = await migrator.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as Error).message).toMatch(/migration 004_broken failed \(up\): relation "missing_table" does not exist/);
    expect(await tablesIn(scratch.url, scratch.name)).not.toContain('audit');
    expect((await migrator.status()).find((s) => s.name === '004_broken')!.state).toBe('pending');
  });

  it('dry run shows the plan and its SQL and writes nothing, not even the history table', async () => {
    const plan = await migrator.plan();
    expect(plan.migrations.map((m) => m.name)).toEqual(['001_users', '002_orders', '003_seed']);
    expect(plan.migrations[0]!.statements[0]).toContain('CREATE TABLE users');
    expect(plan.migrations[2]!.statements).toEqual(["INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"]);
    expect(await tablesIn(scratch.url, scratch.name)).toEqual([]);
  });

  it('runs a no-transaction migration statement by statement (CREATE INDEX CONCURRENTLY)', async () => {
    await dir.write('004_index.sql', sql('CREATE INDEX CONCURRENTLY users_email ON users (email);', 'DROP INDEX CONCURRENTLY users_email;', { noTransaction: true }));
    await migrator.up();
    const indexes = await queryPg(scratch.url, 'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [scratch.name, 'users_email']);
    expect(indexes).toHaveLength(1);
    expect(await migrator.down()).toEqual(['004_index']);
  });

  it('verify passes reversible migrations and reports the first whose down forgets an index', async () => {
    await migrator.up({ to: '001_users' });
    expect(await migrator.verify()).toEqual({ ok: true, checked: ['002_orders', '003_seed'], irreversible: [] });
    await dir.write('004_index.sql', sql('CREATE INDEX users_email ON users (email);', 'SELECT 1;'));
    const report = await migrator.verify();
    expect(report).toMatchObject({ ok: false, migration: '004_index', step: 'down' });
    expect(report.ok === false && report.differences).toEqual([expect.stringMatching(/^\+ indexes: users: CREATE INDEX users_email ON/)]);
    // verify ran on a scratch schema: the real one is untouched.
    expect((await migrator.status()).filter((s) => s.state === 'pending').map((s) => s.name)).toEqual(['002_orders', '003_seed', '004_index']);
  });

  it('fails fast with MigrationLockedError while another session holds the lock, or waits and proceeds', async () => {
    const holder = new PostgresDriver({ connectionString: scratch.url });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holder.withLock({ wait: false, timeoutMs: 0 }, async () => {
      locked();
      await held;
    });
    await isLocked;
    const impatient = open({ wait: false });
    await expect(impatient.up()).rejects.toBeInstanceOf(MigrationLockedError);
    await impatient.close();
    const patient = open({ wait: true, timeoutMs: 10_000 });
    const waiting = patient.up();
    setTimeout(release, 200);
    expect(await waiting).toEqual(['001_users', '002_orders', '003_seed']);
    await holding;
    await holder.close();
    await patient.close();
  });
});
