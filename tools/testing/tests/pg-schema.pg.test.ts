import pg from 'pg';
import { createPgDatabase, createPgSchema, testEnv } from '../src';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('createPgSchema', () => {
  it('creates a schema that the returned URL writes into, and drops it', async () => {
    const scratch = await createPgSchema('helper');
    await query(scratch.url, 'CREATE TABLE probe (id int)');
    const tables = await query<{ table_schema: string }>(
      testEnv().pgUrl,
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe' AND table_schema = $1`,
      [scratch.name],
    );
    expect(tables).toEqual([{ table_schema: scratch.name }]);
    await scratch.drop();
    const left = await query(testEnv().pgUrl, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [scratch.name]);
    expect(left).toHaveLength(0);
  });
});

describe('createPgDatabase', () => {
  it('creates a database reachable at the returned URL, and drops it', async () => {
    const scratch = await createPgDatabase('helperdb');
    const [row] = await query<{ db: string }>(scratch.url, 'SELECT current_database() AS db');
    expect(row?.db).toBe(scratch.name);
    await scratch.drop();
    const left = await query(testEnv().pgUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [scratch.name]);
    expect(left).toHaveLength(0);
  });
});
