import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAll } from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import { killAtRandom, seededRandom } from '@core/testing';
import { ArchiveStore, Lifecycle } from '../src';
import type { TablePlan, TableResult } from '../src';
import { sqliteDatabase } from '../src/sqlite';

jest.setTimeout(300_000);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifecycle-sqlite-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A million events as ISO text (the way SQLite apps store time), one every 20 s ending at `now`. */
function seed(file: string, now: Date): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, account_id INTEGER NOT NULL, kind TEXT NOT NULL, body BLOB)`);
  const insert = db.prepare(`INSERT INTO events VALUES (?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 1; i <= 1_000_000; i++) insert.run(i, new Date(now.getTime() - (1_000_000 - i) * 20_000 - 10_000).toISOString(), i % 1000, i % 7 ? 'click' : 'audit', i % 100 === 0 ? Buffer.from([i % 256, 1, 2]) : null);
  })();
  db.exec(`CREATE INDEX events_created_at ON events (created_at)`);
  db.exec(`CREATE TABLE events_orig AS SELECT * FROM events`);
  db.close();
}

/** archived ∪ remaining = original, by the JSON of every row; no archive outside the ledger. */
async function assertConserved(file: string, storage: LocalProvider, passphrase: string): Promise<number> {
  const db = new Database(file);
  const counted = (db.prepare(`SELECT archive_key FROM core_lifecycle_batches WHERE status IN ('archived', 'done') AND archive_key IS NOT NULL`).all() as Array<{ archive_key: string }>).map((r) => r.archive_key);
  const stored: string[] = [];
  for await (const o of listAll(storage, {})) if (o.key.includes('.ndjson')) stored.push(o.key);
  expect(stored.sort()).toEqual([...counted].sort());
  const store = new ArchiveStore(storage, { passphrase });
  db.exec(`CREATE TEMP TABLE archived_rows (j TEXT)`);
  const insert = db.prepare(`INSERT INTO archived_rows VALUES (?)`);
  for (const key of counted) {
    const lines = await store.lines(await store.manifest(key));
    db.transaction(() => lines.forEach((line) => insert.run(line)))();
  }
  const row = (columns: string) => `json_object('id', id, 'created_at', created_at, 'account_id', account_id, 'kind', kind, 'body', hex(body))${columns}`;
  const result = db
    .prepare(
      `WITH everything AS (SELECT ${row('')} AS j FROM events UNION ALL SELECT j FROM archived_rows)
       SELECT (SELECT count(*) FROM events_orig) AS original, (SELECT count(*) FROM everything) AS total,
              (SELECT count(*) FROM (SELECT ${row('')} FROM events_orig EXCEPT SELECT j FROM everything)) AS missing,
              (SELECT count(*) - count(DISTINCT json_extract(j, '$.id')) FROM everything) AS dup,
              (SELECT count(*) FROM archived_rows) AS archived`,
    )
    .get() as { original: number; total: number; missing: number; dup: number; archived: number };
  db.close();
  expect({ missing: result.missing, duplicated: result.dup, total: result.total }).toEqual({ missing: 0, duplicated: 0, total: result.original });
  return result.archived;
}

const policy = { name: 'old-events', table: 'events', timestampColumn: 'created_at', olderThan: '180d', action: 'archive-then-delete', batch: { initial: 5_000, max: 20_000, pauseMs: 0 } };

test('archive-then-delete of a million-row SQLite table to local disk (ISO text times, a BLOB column): archived ∪ remaining = original', async () => {
  const file = join(dir, 'plain.sqlite');
  const now = new Date();
  seed(file, now);
  const storage = new LocalProvider({ root: join(dir, 'plain-archives') });
  const lifecycle = new Lifecycle({ database: sqliteDatabase({ database: file }), archive: { storage, passphrase: 'p' }, policies: [policy] });
  const [plan] = (await lifecycle.plan({ now })) as TablePlan[];
  expect(plan!.rows).toBe(1_000_000 - 180 * 4320);
  expect(plan!.index.ageIndex).toBe('events_created_at');
  expect(plan!.index.batchIndex).toBe('events_created_at');
  const [result] = (await lifecycle.run({ now })) as TableResult[];
  expect(result!.rowsDeleted).toBe(plan!.rows);
  console.log(`sqlite archive-then-delete: ${result!.rowsDeleted} rows in ${result!.batches} batches, ${result!.durationMs} ms`);
  await lifecycle.close();
  expect(await assertConserved(file, storage, 'p')).toBe(plan!.rows);
});

test('SQLite: SIGKILL at random points and between archive and delete; the resumed run conserves every row', async () => {
  const file = join(dir, 'crash.sqlite');
  const now = new Date();
  seed(file, now);
  const root = join(dir, 'crash-archives');
  const child = join(__dirname, 'crash-child.ts');
  await killAtRandom(child, ['sqlite', file, 'events', root, String(now.getTime()), 'after-archive', '2'], Number.MAX_SAFE_INTEGER, 0);
  await killAtRandom(child, ['sqlite', file, 'events', root, String(now.getTime()), 'mid-upload', '1'], Number.MAX_SAFE_INTEGER, 0);
  const random = seededRandom(7);
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    await killAtRandom(child, ['sqlite', file, 'events', root, String(now.getTime()), 'random'], 1 + Math.floor(random() * 3), Math.floor(random() * 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
  const storage = new LocalProvider({ root });
  const lifecycle = new Lifecycle({ database: sqliteDatabase({ database: file }), archive: { storage, passphrase: 'crash test' }, limits: { leaseMs: 200 }, policies: [{ ...policy, name: 'crash' }] });
  const [result] = (await lifecycle.run({ now })) as TableResult[];
  expect(result!.resumed).toBe(true);
  await lifecycle.close();
  expect(await assertConserved(file, storage, 'crash test')).toBe(1_000_000 - 180 * 4320);
});
