import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { createPgDatabase, freePort, testEnv, uniqueName } from '@core/testing';
import type { PgScratch } from '@core/testing';
import { backup, SourceError, verify } from '../src';
import { PostgresSource, restorePostgres } from '../src/sources/postgres';
import { initTestRepo, tempDir } from './fixtures';

function psql(url: string, sql: string): string {
  return execFileSync('psql', ['-XAtq', url, '-c', sql]).toString().trim();
}

function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

describe('PostgreSQL logical source (pg_dump -Fc -Z0)', () => {
  let work: string;
  let db: PgScratch;
  const restored: string[] = [];
  beforeAll(async () => {
    work = await tempDir();
    db = await createPgDatabase('backup');
    psql(db.url, "create table items (id serial primary key, name text not null, payload text not null); insert into items (name, payload) select 'item ' || g, repeat(md5(g::text), 20) from generate_series(1, 20000) g");
  });
  afterAll(async () => {
    for (const name of restored) psql(testEnv().pgUrl, `drop database if exists "${name}" with (force)`);
    await db.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('dumps a database, restores it into a new one with the same rows, and deduplicates the next day', async () => {
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo') }));
    const first = await backup(repository, new PostgresSource({ url: db.url }));
    expect(first.snapshot.source).toEqual({ kind: 'postgres', identity: expect.stringMatching(/:5432\/backup/) });
    expect(first.snapshot.versions.postgres).toMatch(/^15\./);
    const target = uniqueName('restored');
    restored.push(target);
    await restorePostgres(repository, first.snapshot.id, { url: withDatabase(db.url, target) });
    const checksum = "select count(*) || ':' || md5(string_agg(id || name || payload, ',' order by id)) from items";
    expect(psql(withDatabase(db.url, target), checksum)).toBe(psql(db.url, checksum));

    // 1 % of the rows change (a run of recent ones, as day-to-day changes usually are).
    psql(db.url, "update items set name = name || ' changed' where id between 15000 and 15200");
    const second = await backup(repository, new PostgresSource({ url: db.url }));
    expect(second.snapshot.totals.newBytes).toBeLessThan(second.snapshot.totals.bytesRead * 0.3);
    expect((await verify(repository, { readData: true })).errors).toEqual([]);
  });

  it('restoring onto an existing database name fails before anything is written', async () => {
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo-2') }));
    const { snapshot } = await backup(repository, new PostgresSource({ url: db.url }));
    await expect(restorePostgres(repository, snapshot.id, { url: db.url })).rejects.toBeInstanceOf(SourceError);
    expect(psql(db.url, 'select count(*) from items')).toBe('20000');
  });

  it('a database that does not exist, or a server that refuses, is a SourceError and no snapshot', async () => {
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo-3') }));
    await expect(backup(repository, new PostgresSource({ url: withDatabase(db.url, 'no_such_db') }))).rejects.toBeInstanceOf(SourceError);
    const port = await freePort();
    await expect(backup(repository, new PostgresSource({ url: `postgres://postgres@127.0.0.1:${port}/x` }))).rejects.toBeInstanceOf(SourceError);
    expect(await repository.snapshots()).toEqual([]);
  });
});
