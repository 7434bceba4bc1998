// Benchmarks of @core/migrate against raw umzug with an equivalent PostgreSQL storage, in one run.
// Run: `npx nx run @core/migrate:bench` (needs PostgreSQL at PG_URL).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Umzug, type UmzugStorage } from 'umzug';
import { faster, median, report, smaller, runMain, type Result } from '@core/bench';
import { Migrator, loadMigrations } from '../src';
import { PostgresDriver } from '../src/postgres';

const PG_URL = process.env.PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = 3;
const results: Result[] = [];

async function withSchema<T>(fn: (url: string, client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const schema = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(url.toString(), client);
  } finally {
    await client.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

async function writeMigrations(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'core-migrate-bench-'));
  for (let i = 1; i <= count; i++) {
    const v = String(i).padStart(6, '0');
    await writeFile(join(dir, `${v}_t${i}.sql`), `-- migrate:up\nCREATE TABLE t${i} (id int);\n-- migrate:down\nDROP TABLE t${i};\n`);
  }
  return dir;
}

/** Raw umzug, the peer: same files, same SQL, a history table written by its storage callbacks. */
function rawUmzug(client: pg.Client, files: Array<{ name: string; path: string }>): Umzug<object> {
  const storage: UmzugStorage = {
    async executed() {
      await client.query('CREATE TABLE IF NOT EXISTS raw_migrations (name text PRIMARY KEY)');
      return (await client.query<{ name: string }>('SELECT name FROM raw_migrations ORDER BY name')).rows.map((r) => r.name);
    },
    async logMigration({ name }) {
      await client.query('INSERT INTO raw_migrations (name) VALUES ($1)', [name]);
    },
    async unlogMigration({ name }) {
      await client.query('DELETE FROM raw_migrations WHERE name = $1', [name]);
    },
  };
  return new Umzug({
    migrations: files.map((f) => ({
      name: f.name,
      path: f.path,
      up: async () => {
        const text = await readFile(f.path, 'utf8');
        await client.query(text.slice(text.indexOf('\n') + 1, text.indexOf('-- migrate:down')));
      },
    })),
    context: {},
    storage,
    logger: undefined,
  });
}

async function applyMany(): Promise<void> {
  const count = 500;
  const dir = await writeMigrations(count);
  const files = (await loadMigrations(dir)).map((m) => ({ name: m.name, path: m.path }));
  const ours: number[] = [];
  const peer: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const who of round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours']) {
      await withSchema(async (url, client) => {
        const started = performance.now();
        if (who === 'ours') {
          const migrator = new Migrator({ driver: new PostgresDriver({ connectionString: url }), directory: dir });
          const applied = await migrator.up();
          await migrator.close();
          if (applied.length !== count) throw new Error(`ours applied ${applied.length}`);
        } else {
          const applied = await rawUmzug(client, files).up();
          if (applied.length !== count) throw new Error(`umzug applied ${applied.length}`);
        }
        (who === 'ours' ? ours : peer).push(count / ((performance.now() - started) / 1000));
      });
    }
  }
  results.push(faster('apply 500 small migrations (migrations/s)', median(ours), 'raw umzug + equivalent storage', median(peer), 0.7));
  await rm(dir, { recursive: true, force: true });
}

async function statusMany(): Promise<void> {
  const count = 5_000;
  const dir = await writeMigrations(count);
  await withSchema(async (url, client) => {
    const migrator = new Migrator({ driver: new PostgresDriver({ connectionString: url }), directory: dir });
    await migrator.baseline(String(count).padStart(6, '0')); // 5,000 applied rows, without creating 5,000 tables
    await client.query('CREATE TABLE raw_migrations (name text PRIMARY KEY)');
    await client.query('INSERT INTO raw_migrations SELECT name FROM core_migrations');
    const files = (await loadMigrations(dir)).map((m) => ({ name: m.name, path: m.path }));
    const umzug = rawUmzug(client, files);
    const ours: number[] = [];
    const peer: number[] = [];
    for (let round = 0; round < 5; round++) {
      let t = performance.now();
      const status = await migrator.status();
      ours.push(performance.now() - t);
      t = performance.now();
      const executed = await umzug.executed();
      peer.push(performance.now() - t);
      if (status.filter((s) => s.state === 'baseline').length !== count || executed.length !== count) throw new Error('status mismatch');
    }
    results.push(smaller('status with 5,000 applied migrations', 'ms', median(ours), "raw umzug executed()", median(peer)));
    await migrator.close();
  });
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  await applyMany();
  await statusMany();
  report(results, fileURLToPath(new URL('results.json', import.meta.url)));
}

runMain(main);
