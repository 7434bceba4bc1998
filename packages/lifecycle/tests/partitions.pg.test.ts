import pg from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { createPgSchema } from '@core/testing';
import type { PgScratch } from '@core/testing';
import { ArchiveStore, Lifecycle, UnknownIdentifierError } from '../src';
import type { PartitionPlan, PartitionResult } from '../src';
import { postgresDatabase } from '../src/postgres';

jest.setTimeout(120_000);

let scratch: PgScratch;
let client: pg.Client;
let dir: string;
beforeAll(async () => {
  scratch = await createPgSchema('lifecycle_parts');
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  dir = await mkdtemp(join(tmpdir(), 'lifecycle-parts-'));
});
afterAll(async () => {
  await client.end();
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A table partitioned by month: the six months before `now`'s month, the current and next one, and a default partition. */
async function monthly(table: string, now: Date): Promise<string[]> {
  await client.query(`CREATE TABLE ${table} (id bigint NOT NULL, at timestamptz NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`);
  const names: string[] = [];
  for (let m = -6; m <= 1; m++) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + m, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + m + 1, 1));
    const name = `${table}_${from.toISOString().slice(0, 7).replace('-', '_')}`;
    names.push(name);
    await client.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
    await client.query(`INSERT INTO ${table} SELECT g, $1::timestamptz + (g % 20) * interval '1 day', md5(g::text) FROM generate_series(1, 3000) g`, [from]);
  }
  await client.query(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
  return names;
}

async function partitionsOf(table: string): Promise<string[]> {
  const { rows } = await client.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table]);
  return rows.map((r) => r.relname);
}

async function exists(table: string): Promise<boolean> {
  return (await client.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [table])).rows[0].e;
}

test('partitions wholly older than the age are detached and kept; the current, the future and the default partition stay', async () => {
  const now = new Date();
  const names = await monthly('metrics', now);
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [{ name: 'metrics-90d', kind: 'partitions', table: 'metrics', olderThan: '90d', action: 'detach' }] });
  const [plan] = (await lifecycle.plan({ now })) as PartitionPlan[];
  const cutoff = new Date(now.getTime() - 90 * 86_400_000);
  const expected = names.filter((_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 6 + i + 1, 1)) <= cutoff);
  expect(plan!.partitions.map((p) => p.name)).toEqual(expected.map((n) => `${scratch.name}.${n}`));
  const [result] = (await lifecycle.run({ now })) as PartitionResult[];
  expect(result!.detached).toHaveLength(expected.length);
  expect(await partitionsOf('metrics')).toEqual([...names.filter((n) => !expected.includes(n)), 'metrics_default'].sort());
  for (const name of expected) expect(await exists(name)).toBe(true); // detached, not dropped
  await lifecycle.close();
});

test('archive-then-drop archives every row of each old partition (verified) before dropping it; the last partition is never dropped', async () => {
  const now = new Date();
  const names = await monthly('clicks', now);
  const storage = new LocalProvider({ root: join(dir, 'clicks') });
  // An age that reaches every partition, even next month's: the newest must still be kept.
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), archive: { storage }, policies: [{ name: 'clicks-all', kind: 'partitions', table: 'clicks', olderThan: 'P0D', action: 'archive-then-drop' }] });
  const future = new Date(now.getTime() + 80 * 86_400_000);
  const [plan] = (await lifecycle.plan({ now: future })) as PartitionPlan[];
  expect(plan!.kept).toEqual([{ name: `${scratch.name}.${names.at(-1)}`, reason: expect.stringMatching(/last partition/) }]);
  const [result] = (await lifecycle.run({ now: future })) as PartitionResult[];
  expect(result!.dropped).toEqual(names.slice(0, -1).map((n) => `${scratch.name}.${n}`));
  expect(result!.rowsArchived).toBe(result!.dropped.length * 3000);
  for (const name of result!.dropped) expect(await exists(name)).toBe(false);
  const store = new ArchiveStore(storage);
  let rows = 0;
  for (const key of result!.archives) rows += (await store.lines(await store.manifest(key))).length;
  expect(rows).toBe(result!.rowsArchived);
  expect(await partitionsOf('clicks')).toEqual([names.at(-1), 'clicks_default']);
  await lifecycle.close();
});

test('only ranged partitions: when every one is past the age, the newest is kept and the plan says why', async () => {
  await client.query(`CREATE TABLE logs (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at)`);
  await client.query(`CREATE TABLE logs_a PARTITION OF logs FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')`);
  await client.query(`CREATE TABLE logs_b PARTITION OF logs FOR VALUES FROM ('2020-02-01') TO ('2020-03-01')`);
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [{ name: 'logs', kind: 'partitions', table: 'logs', olderThan: '30d', action: 'drop' }] });
  const [plan] = (await lifecycle.plan()) as PartitionPlan[];
  expect(plan!.partitions.map((p) => p.name)).toEqual([`${scratch.name}.logs_a`]);
  expect(plan!.kept).toEqual([{ name: `${scratch.name}.logs_b`, reason: expect.stringMatching(/last partition/) }]);
  await lifecycle.run();
  expect(await partitionsOf('logs')).toEqual(['logs_b']);
  expect(await exists('logs_a')).toBe(false);
  await lifecycle.close();
});

test('a partition policy on a plain table is refused before anything runs', async () => {
  await client.query(`CREATE TABLE plain_t (id int PRIMARY KEY, at timestamptz)`);
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [{ name: 'p', kind: 'partitions', table: 'plain_t', olderThan: '30d', action: 'drop' }] });
  await expect(lifecycle.run()).rejects.toThrow(UnknownIdentifierError);
  await lifecycle.close();
});
