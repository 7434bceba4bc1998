import pg from 'pg';
import { testEnv } from './env';
import { uniqueName } from './unique-name';

/** A PostgreSQL schema or database that exists for one test file and is dropped afterwards. */
export interface PgScratch {
  /** Name of the schema (or database). */
  name: string;
  /** Connection URL whose `search_path` (or database) points at the scratch space. */
  url: string;
  /** Drops the scratch space and everything in it. */
  drop(): Promise<void>;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh schema in the test database; the returned URL makes it the `search_path`. */
export async function createPgSchema(prefix = 'test'): Promise<PgScratch> {
  const base = testEnv().pgUrl;
  const name = uniqueName(prefix);
  await withAdmin(base, (c) => c.query(`CREATE SCHEMA "${name}"`));
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    drop: () => withAdmin(base, (c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(() => undefined),
  };
}

/** Creates a fresh database on the test server, for tests that need a whole database. */
export async function createPgDatabase(prefix = 'test'): Promise<PgScratch> {
  const base = testEnv().pgUrl;
  const name = uniqueName(prefix);
  await withAdmin(base, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(base, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
