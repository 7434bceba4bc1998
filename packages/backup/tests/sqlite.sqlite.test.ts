import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, listDrills, restore, TargetNotEmptyError, verify } from '../src';
import { drillSqlite, restoreSqlite, SqliteSource } from '../src/sources/sqlite';
import { initTestRepo, tempDir } from './fixtures';

describe('SQLite source (online backup API)', () => {
  let work: string;
  beforeEach(async () => {
    work = await tempDir();
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('copies a database while a writer keeps writing; the restore passes integrity_check and holds a consistent state', async () => {
    const path = join(work, 'live.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('create table events (id integer primary key, body text not null); create table counter (n integer not null); insert into counter values (0)');
    const addEvent = db.prepare('insert into events (body) values (?)');
    const bump = db.prepare('update counter set n = n + 1');
    // Each event and the counter change in one transaction: a consistent copy has count(events) = counter.n.
    const insert = { run: db.transaction((body: string) => (addEvent.run(body), bump.run())) };
    db.transaction(() => {
      for (let i = 0; i < 200_000; i++) insert.run(`event ${i} `.repeat(10));
    })();
    let writes = 0;
    const writer = setInterval(() => {
      for (let i = 0; i < 50; i++) insert.run('written during the backup');
      writes += 50;
    }, 1);
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo') }));
    let result;
    try {
      result = await backup(repository, new SqliteSource(path));
    } finally {
      clearInterval(writer);
    }
    expect(writes).toBeGreaterThan(0);
    expect(result.snapshot.source.kind).toBe('sqlite');
    expect(result.snapshot.versions.sqlite).toMatch(/^3\./);
    expect(result.snapshot.files).toEqual([{ path: 'database.sqlite', size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

    const restored = join(work, 'restored.sqlite');
    await expect(restoreSqlite(repository, result.snapshot.id, restored)).resolves.toEqual({ path: restored, integrity: 'ok' });
    const copy = new Database(restored, { readonly: true });
    const { rows, n } = copy.prepare('select (select count(*) from events) as rows, (select n from counter) as n').get() as { rows: number; n: number };
    copy.close();
    expect(rows).toBeGreaterThanOrEqual(200_000);
    expect(n).toBe(rows); // one consistent state, taken while the writer wrote
    await expect(restoreSqlite(repository, result.snapshot.id, restored)).rejects.toBeInstanceOf(TargetNotEmptyError);

    // (200,000 rows: large enough that small backup steps under a steady writer never finish — SQLite
    // restarts them — which is what the source's one-step fallback is for.)
    // A day later, after 1 % of the rows (a run of recent ones) change, the next backup stores a fraction of the database.
    db.prepare('update events set body = ? where id between 150000 and 152000').run('changed');
    const next = await backup(repository, new SqliteSource(path));
    expect(next.snapshot.totals.newBytes).toBeLessThan(next.snapshot.totals.bytesRead * 0.3);
    db.close();
    expect((await verify(repository, { readData: true })).errors).toEqual([]);
    // The same snapshot also restores as a plain file.
    await restore(repository, next.snapshot.id, { target: join(work, 'as-files') });
  });

  it('a missing database is a SourceError and writes no snapshot', async () => {
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo') }));
    await expect(backup(repository, new SqliteSource(join(work, 'nope.sqlite')))).rejects.toMatchObject({ code: 'BACKUP_SOURCE_FAILED' });
    expect(await repository.snapshots()).toEqual([]);
  });

  it('a restore drill restores the newest snapshot, checks it and records the outcome; a damaged repository fails the drill', async () => {
    const path = join(work, 'drilled.sqlite');
    const db = new Database(path);
    db.exec('create table t (id integer primary key); with recursive n(i) as (select 1 union all select i + 1 from n where i < 100) insert into t select i from n');
    db.close();
    const root = join(work, 'repo');
    const repository = await initTestRepo(new LocalProvider({ root }));
    expect(await drillSqlite(repository)).toMatchObject({ ok: false, error: expect.stringMatching(/no sqlite snapshot/) });
    const { snapshot } = await backup(repository, new SqliteSource(path));
    const passed = await drillSqlite(repository, { checks: [{ name: 'rows', sql: 'select count(*) from t', expect: '100' }] });
    expect(passed).toMatchObject({ ok: true, snapshot: snapshot.id, checks: [{ name: 'PRAGMA integrity_check', ok: true }, { name: 'rows', ok: true, value: '100' }], newestRestorable: { time: snapshot.time } });
    expect(passed.rtoMs).toBeGreaterThan(0);
    for (const dir of await readdir(join(root, 'data'))) {
      for (const pack of await readdir(join(root, 'data', dir))) {
        const bytes = await readFile(join(root, 'data', dir, pack));
        bytes[10]! ^= 0xff;
        await writeFile(join(root, 'data', dir, pack), bytes);
      }
    }
    expect(await drillSqlite(repository)).toMatchObject({ ok: false, rtoMs: undefined, error: expect.stringMatching(/damaged|authenticate/) });
    expect((await listDrills(repository, 'sqlite')).map((record) => record.ok)).toEqual([false, true, false]);
  });
});
