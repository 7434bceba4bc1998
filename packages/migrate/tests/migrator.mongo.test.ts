import { describeWithEnv } from '@core/testing';
import { MongoClient } from 'mongodb';
import { ChecksumMismatchError, MigrationLockedError, Migrator } from '../src';
import { MongoDriver } from '../src/mongodb';
import { migrationsDir, type MigrationsDir } from './helpers';

// No MongoDB server can run on the CI machine: this suite runs when MONGODB_URL is set and is
// reported as skipped, by name, otherwise.
describeWithEnv('MONGODB_URL', 'Migrator on MongoDB', () => {
  const url = process.env.MONGODB_URL!;
  let dir: MigrationsDir;
  let database: string;
  let client: MongoClient;
  const open = (lock?: { wait: boolean; timeoutMs?: number }) =>
    new Migrator({ driver: new MongoDriver({ url, database }), directory: dir.path, ...(lock ? { lock } : {}) });

  beforeEach(async () => {
    dir = await migrationsDir();
    database = `core_migrate_test_${process.pid}_${Date.now()}`;
    client = await new MongoClient(url).connect();
    await dir.write('001_users.js', `exports.up = async ({ db }) => { await db.createCollection('users'); await db.collection('users').createIndex({ email: 1 }, { unique: true }); };
exports.down = async ({ db }) => { await db.collection('users').drop(); };`);
    await dir.write('002_seed.js', `exports.up = async ({ db }) => { await db.collection('users').insertOne({ email: 'ada@example.com' }); };
exports.down = async ({ db }) => { await db.collection('users').deleteOne({ email: 'ada@example.com' }); };`);
  });

  afterEach(async () => {
    await client.db(database).dropDatabase();
    await client.close();
    await dir.remove();
  });

  it('applies, reports and reverts module migrations', async () => {
    const migrator = open();
    expect(await migrator.up()).toEqual(['001_users', '002_seed']);
    expect(await client.db(database).collection('users').countDocuments()).toBe(1);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['applied', 'applied']);
    expect(await migrator.down({ to: 0 })).toEqual(['002_seed', '001_users']);
    await migrator.close();
  });

  it('stops on a changed applied migration', async () => {
    const migrator = open();
    await migrator.up();
    await dir.write('002_seed.js', `exports.up = async () => {};`);
    await expect(migrator.up()).rejects.toBeInstanceOf(ChecksumMismatchError);
    await migrator.close();
  });

  it('the lock document keeps a second runner out (fail fast)', async () => {
    const holder = new MongoDriver({ url, database });
    await holder.ensureHistory();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holding = holder.withLock({ wait: false, timeoutMs: 0 }, () => held);
    await new Promise((r) => setTimeout(r, 100));
    const impatient = open({ wait: false });
    await expect(impatient.up()).rejects.toBeInstanceOf(MigrationLockedError);
    release();
    await holding;
    expect(await impatient.up()).toEqual(['001_users', '002_seed']);
    await impatient.close();
    await holder.close();
  });
});
