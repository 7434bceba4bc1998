import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A temporary migrations folder; `write(name, text)` adds a file. */
export interface MigrationsDir {
  path: string;
  write(file: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

/** Creates an empty migrations folder in the temp directory. */
export async function migrationsDir(): Promise<MigrationsDir> {
  const path = await mkdtemp(join(tmpdir(), 'core-migrations-'));
  return {
    path,
    write: async (file, text) => {
      const full = join(path, file);
      await writeFile(full, text);
      return full;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** A SQL migration's text from its sections. */
export function sql(up: string, down?: string, options: { noTransaction?: boolean } = {}): string {
  return `${options.noTransaction ? '-- migrate:no-transaction\n' : ''}-- migrate:up\n${up}\n${down === undefined ? '' : `-- migrate:down\n${down}\n`}`;
}

/** Runs one query against a URL and returns the rows. */
export async function queryPg<R extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Table names of a schema. */
export async function tablesIn(url: string, schema: string): Promise<string[]> {
  const rows = await queryPg<{ table_name: string }>(url, 'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
  return rows.map((r) => r.table_name);
}
