import pg from 'pg';
import { createHash } from 'node:crypto';
import { createPgSchema } from '@core/testing';
import type { PgScratch } from '@core/testing';
import { Lifecycle, UnknownIdentifierError } from '../src';
import { postgresDatabase } from '../src/postgres';

let scratch: PgScratch;
let client: pg.Client;
beforeAll(async () => {
  scratch = await createPgSchema('lifecycle_erase');
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  await client.query(`CREATE TABLE users (id int PRIMARY KEY, email text)`);
  await client.query(`CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id), total int)`);
  await client.query(`CREATE TABLE events (id bigserial PRIMARY KEY, actor int, what text)`);
  await client.query(`INSERT INTO users SELECT i, 'u' || i || '@example.com' FROM generate_series(1, 50) i`);
  await client.query(`INSERT INTO orders SELECT i, i % 50 + 1, i FROM generate_series(1, 500) i`);
  await client.query(`INSERT INTO events (actor, what) SELECT i % 50 + 1, 'login' FROM generate_series(1, 1000) i`);
});
afterAll(async () => {
  await client.end();
  await scratch.drop();
});

const erasure = { tables: [{ table: 'events', column: 'actor' }, { table: 'orders', column: 'user_id' }, { table: 'users', column: 'id' }] };

test('right to be forgotten across three tables: a dry run counts, the erase deletes all of it at once, and the receipt holds no id', async () => {
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [], erasure });
  const dry = await lifecycle.erase(7, { dryRun: true });
  expect(dry.tables).toEqual([
    { table: 'events', column: 'actor', rows: 20 },
    { table: 'orders', column: 'user_id', rows: 10 },
    { table: 'users', column: 'id', rows: 1 },
  ]);
  const receipt = await lifecycle.erase(7);
  expect(receipt).toMatchObject({ dryRun: false, total: 31, subjectSha256: createHash('sha256').update('7').digest('hex') });
  expect(JSON.stringify(receipt)).not.toMatch(/"7"|:7[,}]/);
  const { rows } = await client.query(`SELECT (SELECT count(*) FROM users WHERE id = 7)::int AS u, (SELECT count(*) FROM orders WHERE user_id = 7)::int AS o, (SELECT count(*) FROM events WHERE actor = 7)::int AS e, (SELECT count(*) FROM users)::int AS users`);
  expect(rows[0]).toEqual({ u: 0, o: 0, e: 0, users: 49 });
  const { rows: kept } = await client.query(`SELECT receipt FROM core_lifecycle_erasures WHERE id = $1`, [receipt.id]);
  expect(JSON.parse(kept[0].receipt)).toEqual(receipt);
  await lifecycle.close();
});

test('all or nothing: a table order that breaks a foreign key deletes nothing', async () => {
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [], erasure: { tables: [{ table: 'users', column: 'id' }, { table: 'orders', column: 'user_id' }] } });
  await expect(lifecycle.erase(8)).rejects.toThrow(/foreign key/);
  const { rows } = await client.query(`SELECT (SELECT count(*) FROM users WHERE id = 8)::int AS u, (SELECT count(*) FROM orders WHERE user_id = 8)::int AS o`);
  expect(rows[0]).toEqual({ u: 1, o: 10 });
  await lifecycle.close();
});

test('an unknown table or column in the map is refused before any row is touched', async () => {
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [], erasure: { tables: [{ table: 'orders', column: 'user_id' }, { table: 'profiles', column: 'user_id' }] } });
  await expect(lifecycle.erase(9)).rejects.toThrow(UnknownIdentifierError);
  expect((await client.query(`SELECT count(*)::int AS n FROM orders WHERE user_id = 9`)).rows[0].n).toBe(10);
  await lifecycle.close();
});
