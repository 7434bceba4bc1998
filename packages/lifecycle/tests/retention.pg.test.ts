import pg from 'pg';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalProvider } from '@core/cloud-storage/local';
import { S3Provider } from '@core/cloud-storage/s3';
import { createPgSchema, startS3rver } from '@core/testing';
import type { PgScratch, S3rverHandle } from '@core/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lifecycle, LockTimeoutError, NoIndexError } from '../src';
import type { LifecycleProgress, TablePlan, TableResult } from '../src';
import { postgresDatabase } from '../src/postgres';
import { assertConserved, seedEvents } from './pg-fixtures';

jest.setTimeout(300_000);

let scratch: PgScratch;
let client: pg.Client;
let s3: S3rverHandle;
let dir: string;

beforeAll(async () => {
  scratch = await createPgSchema('lifecycle');
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  s3 = await startS3rver({ buckets: ['archives'] });
  dir = await mkdtemp(join(tmpdir(), 'lifecycle-pg-'));
});
afterAll(async () => {
  for (const c of s3clients) c.destroy();
  await client.end();
  await scratch.drop();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

const s3clients: S3Client[] = [];
function s3Storage(prefix: string): S3Provider {
  const s3client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  s3clients.push(s3client);
  return new S3Provider({ bucket: 'archives', client: s3client, prefix });
}

test('archive-then-delete of a million-row table into s3rver: planned, archived, verified, deleted; archived ∪ remaining = original', async () => {
  await seedEvents(client, 'events', 1_000_000);
  const storage = s3Storage('million/');
  const passphrase = 'correct horse battery staple';
  const lifecycle = new Lifecycle({
    database: postgresDatabase({ connection: scratch.url }),
    archive: { storage, passphrase },
    policies: [{ name: 'old-events', table: 'events', timestampColumn: 'created_at', olderThan: '180d', action: 'archive-then-delete', batch: { initial: 5_000, max: 50_000, pauseMs: 0 } }],
  });
  const now = new Date();
  const [plan] = (await lifecycle.plan({ now })) as TablePlan[];
  expect(plan!.rows).toBeGreaterThan(221_000);
  expect(plan!.rows).toBeLessThan(223_000);
  expect(plan!.keyRange?.first).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/), '1']); // [age as PostgreSQL writes it (microseconds kept, trailing zeros dropped), key]
  expect(plan!.index.ageIndex).toBe('events_created_at_idx');
  expect(plan!.estimatedBatches).toBe(Math.ceil(plan!.rows / 5_000));
  const events: LifecycleProgress[] = [];
  const [result] = (await lifecycle.run({ now, onProgress: (e) => events.push(e) })) as TableResult[];
  console.log(`archive-then-delete: ${result!.rowsDeleted} rows in ${result!.batches} batches, ${result!.durationMs} ms`);
  expect(result!.rowsArchived).toBe(plan!.rows);
  expect(result!.rowsDeleted).toBe(plan!.rows);
  expect(result!.archives.length).toBe(result!.batches);
  expect(events.at(-1)).toMatchObject({ phase: 'done', rowsDeleted: plan!.rows, total: plan!.rows });
  expect(new Set(events.map((e) => e.batchSize)).size).toBeGreaterThan(1); // the batch size adapted
  expect(await assertConserved(client, 'events', storage, passphrase)).toBe(plan!.rows);
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM events WHERE created_at < $1`, [plan!.cutoff]);
  expect(rows[0].n).toBe(0);
  const [history] = await lifecycle.history('old-events');
  expect(history).toMatchObject({ status: 'done', rowsDeleted: plan!.rows, batches: result!.batches });
  // A second run has nothing left to do.
  const [again] = (await lifecycle.run({ now })) as TableResult[];
  expect(again).toMatchObject({ rowsArchived: 0, rowsDeleted: 0, batches: 0 });
  await lifecycle.close();
});

test('a plain delete policy with a filter deletes only matching rows, keyset batch by batch', async () => {
  await client.query(`CREATE TABLE audit (id int PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL)`);
  await client.query(`INSERT INTO audit SELECT i, now() - i * interval '1 day' + interval '12 hours', CASE WHEN i % 2 = 0 THEN 'debug' ELSE 'login' END FROM generate_series(1, 2000) i`);
  await client.query(`CREATE INDEX ON audit (at)`);
  const lifecycle = new Lifecycle({
    database: postgresDatabase({ connection: scratch.url }),
    policies: [{ name: 'debug-logs', table: 'audit', timestampColumn: 'at', olderThan: '90d', where: [{ column: 'kind', op: 'eq', value: 'debug' }], action: 'delete', batch: { initial: 100, min: 50, pauseMs: 0 } }],
  });
  const [result] = (await lifecycle.run()) as TableResult[];
  const { rows } = await client.query(`SELECT kind, count(*)::int AS n, count(*) FILTER (WHERE at < now() - interval '90 days')::int AS old FROM audit GROUP BY kind ORDER BY kind`);
  expect(rows).toEqual([
    { kind: 'debug', n: 45, old: 0 },
    { kind: 'login', n: 1000, old: 955 },
  ]);
  expect(result!.rowsDeleted).toBe(955);
  expect(result!.rowsArchived).toBe(0);
  await lifecycle.close();
});

test('archive-only runs go on from the last one: no row is archived twice', async () => {
  await client.query(`CREATE TABLE ledger_lines (id int PRIMARY KEY, booked timestamptz NOT NULL, amount int)`);
  await client.query(`INSERT INTO ledger_lines SELECT i, now() - (5000 - i) * interval '1 hour' - interval '30 minutes', i FROM generate_series(1, 5000) i`);
  await client.query(`CREATE INDEX ON ledger_lines (booked)`);
  const storage = new LocalProvider({ root: join(dir, 'archive-only') });
  const policy = { name: 'keep-copy', table: 'ledger_lines', timestampColumn: 'booked', olderThan: '120d', action: 'archive', batch: { initial: 700, pauseMs: 0 } };
  const first = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), archive: { storage }, policies: [policy] });
  const [a] = (await first.run()) as TableResult[];
  expect(a!.rowsArchived).toBe(5000 - 120 * 24);
  // Later, more rows have aged past the cut-off.
  const [b] = (await first.run({ now: new Date(Date.now() + 10 * 86_400_000) })) as TableResult[];
  expect(b!.rowsArchived).toBe(240);
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM ledger_lines`);
  expect(rows[0].n).toBe(5000);
  const { rows: keys } = await client.query(`SELECT first_key, last_key FROM core_lifecycle_batches WHERE policy = 'keep-copy' AND status = 'done' ORDER BY at`);
  // Positions are [age, id]: each batch starts right after the previous one ended.
  for (let i = 1; i < keys.length; i++) expect(Number(JSON.parse(keys[i].first_key)[1])).toBe(Number(JSON.parse(keys[i - 1].last_key)[1]) + 1);
  await first.close();
});

test('a policy on an unindexed age column is refused with the CREATE INDEX that fixes it; requireIndex: false runs it with a warning', async () => {
  await client.query(`CREATE TABLE noidx (id int PRIMARY KEY, at timestamptz NOT NULL)`);
  await client.query(`INSERT INTO noidx SELECT i, now() - i * interval '1 day' + interval '12 hours' FROM generate_series(1, 300) i`);
  const policy = { name: 'noidx', table: 'noidx', timestampColumn: 'at', olderThan: '30d', action: 'delete' };
  const refused = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [policy] });
  const error = await refused.run().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NoIndexError);
  expect((error as NoIndexError).fix).toBe('CREATE INDEX CONCURRENTLY "noidx_at_idx" ON "noidx" ("at")');
  expect((await client.query(`SELECT count(*)::int AS n FROM noidx`)).rows[0].n).toBe(300);
  await refused.close();
  const allowed = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), policies: [{ ...policy, requireIndex: false }] });
  const [plan] = (await allowed.plan()) as TablePlan[];
  expect(plan!.warnings.join(' ')).toMatch(/no index starts with at/);
  const [result] = (await allowed.run()) as TableResult[];
  expect(result!.rowsDeleted).toBe(270);
  await allowed.close();
});

test('a transaction holding row locks makes batches back off and shrink; a concurrent writer is never blocked longer than the lock timeout', async () => {
  await client.query(`CREATE TABLE busy (id int PRIMARY KEY, at timestamptz NOT NULL, n int NOT NULL DEFAULT 0)`);
  await client.query(`INSERT INTO busy SELECT i, now() - (20000 - i) * interval '1 hour' - interval '30 minutes' FROM generate_series(1, 20000) i`);
  await client.query(`CREATE INDEX ON busy (at)`);
  const holder = new pg.Client({ connectionString: scratch.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`SELECT * FROM busy WHERE id BETWEEN 3000 AND 3010 FOR UPDATE`);
  const release = setTimeout(() => void holder.query('COMMIT'), 2_500);
  // The writer inserts new rows and touches old ones the run is deleting.
  const writer = new pg.Client({ connectionString: scratch.url });
  await writer.connect();
  let writing = true;
  let longest = 0;
  let writes = 0;
  const writes$ = (async () => {
    for (let i = 0; writing; i++) {
      const began = Date.now();
      await writer.query(`INSERT INTO busy (id, at) VALUES ($1, now())`, [100_000 + i]);
      await writer.query(`UPDATE busy SET n = n + 1 WHERE id = $1`, [5000 + (i % 5000)]);
      longest = Math.max(longest, Date.now() - began);
      writes++;
    }
  })();
  const lockTimeoutMs = 300;
  const lifecycle = new Lifecycle({
    database: postgresDatabase({ connection: scratch.url }),
    limits: { lockTimeoutMs, maxLockRetries: 12 },
    policies: [{ name: 'busy', table: 'busy', timestampColumn: 'at', olderThan: '30d', action: 'delete', batch: { initial: 1000, targetMs: 200, pauseMs: 50 } }],
  });
  const sizes: number[] = [];
  const [result] = (await lifecycle.run({ onProgress: (e) => sizes.push(e.batchSize) })) as TableResult[];
  writing = false;
  await writes$;
  clearTimeout(release);
  await holder.end();
  await writer.end();
  expect(result!.lockTimeouts).toBeGreaterThan(0);
  expect(Math.min(...sizes)).toBeLessThan(1000);
  expect(result!.rowsDeleted).toBe(20000 - 30 * 24);
  expect(writes).toBeGreaterThan(10);
  // The run is what waits for locks (and gives up at its lock timeout); the writer waits at most for one
  // short batch to commit. The bound is generous for a loaded CI machine: without lock timeouts the
  // writer would sit behind the 2.5 s holder and the run's queued DELETE.
  expect(longest).toBeLessThan(2_500);
  await lifecycle.close();
});

test('a run that keeps meeting the lock timeout stops with LockTimeoutError, and the next run resumes it', async () => {
  await client.query(`CREATE TABLE stuck (id int PRIMARY KEY, at timestamptz NOT NULL)`);
  await client.query(`INSERT INTO stuck SELECT i, now() - i * interval '1 day' + interval '12 hours' FROM generate_series(1, 500) i`);
  await client.query(`CREATE INDEX ON stuck (at)`);
  const holder = new pg.Client({ connectionString: scratch.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE stuck IN ACCESS EXCLUSIVE MODE`);
  const policy = { name: 'stuck', table: 'stuck', timestampColumn: 'at', olderThan: '10d', action: 'delete', requireIndex: true, batch: { pauseMs: 10 } };
  const make = () => new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), limits: { lockTimeoutMs: 100, maxLockRetries: 2 }, policies: [policy] });
  const first = make();
  // The catalog read itself waits for the lock: it gives up within its own deadline.
  const error = await first.run().catch((e: unknown) => e);
  expect((error as { code?: string }).code).toMatch(/LIFECYCLE_LOCK_TIMEOUT|55P03/);
  await holder.query('COMMIT');
  await holder.end();
  const second = make();
  const [result] = (await second.run()) as TableResult[];
  expect(result!.rowsDeleted).toBe(490);
  await first.close();
  await second.close();
});

test('LockTimeoutError is what a held lock gives once the run has started', async () => {
  await client.query(`CREATE TABLE held (id int PRIMARY KEY, at timestamptz NOT NULL)`);
  await client.query(`INSERT INTO held SELECT i, now() - i * interval '1 day' + interval '12 hours' FROM generate_series(1, 5000) i`);
  await client.query(`CREATE INDEX ON held (at)`);
  const holder = new pg.Client({ connectionString: scratch.url });
  await holder.connect();
  const lifecycle = new Lifecycle({
    database: postgresDatabase({ connection: scratch.url }),
    limits: { lockTimeoutMs: 100, maxLockRetries: 2 },
    policies: [{ name: 'held', table: 'held', timestampColumn: 'at', olderThan: '10d', action: 'delete', batch: { initial: 500, pauseMs: 10 } }],
  });
  let locked = false;
  const error = await lifecycle
    .run({
      onProgress: () => {
        if (locked) return;
        locked = true;
        void holder.query('BEGIN').then(() => holder.query(`SELECT * FROM held FOR UPDATE`));
      },
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LockTimeoutError);
  const [run] = await lifecycle.history('held');
  expect(run).toMatchObject({ status: 'failed' });
  expect(run!.rowsDeleted).toBeGreaterThan(0);
  await holder.query('ROLLBACK');
  await holder.end();
  const [resumed] = (await lifecycle.run()) as TableResult[];
  expect(resumed!.resumed).toBe(true);
  expect(run!.rowsDeleted + resumed!.plan.rows).toBe(4990);
  expect((await client.query(`SELECT count(*)::int AS n FROM held`)).rows[0].n).toBe(10);
  await lifecycle.close();
});

test('rows sharing one timestamp, with microseconds, are walked exactly: the keyset (age, key) round-trips without loss', async () => {
  await client.query(`CREATE TABLE ties (id bigint PRIMARY KEY, at timestamp NOT NULL, v text)`);
  await client.query(`INSERT INTO ties SELECT i, timestamp '2020-01-01 00:00:00.123456' + (i % 7) * interval '1.000001 second', md5(i::text) FROM generate_series(1, 10000) i`);
  await client.query(`CREATE INDEX ON ties (at)`);
  const storage = new LocalProvider({ root: join(dir, 'ties') });
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: scratch.url }), archive: { storage }, policies: [{ name: 'ties', table: 'ties', timestampColumn: 'at', olderThan: '30d', action: 'archive-then-delete', batch: { initial: 300, max: 300, pauseMs: 0 } }] });
  const [result] = (await lifecycle.run()) as TableResult[];
  expect(result).toMatchObject({ rowsArchived: 10000, rowsDeleted: 10000, batches: 34 });
  expect((await client.query(`SELECT count(*)::int AS n FROM ties`)).rows[0].n).toBe(0);
  await lifecycle.close();
});
