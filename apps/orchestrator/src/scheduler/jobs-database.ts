import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/config';
import { postgresClient, sqliteClient } from './sql-client';
import type { SqlClient } from './sql-client';

/** The profile's database for job runs: the SQLite file in development, PostgreSQL (shared by replicas) elsewhere. */
export function jobsSqlClient(config: Config): SqlClient {
  if (config.database.kind === 'postgres') return postgresClient(config.database.url);
  mkdirSync(dirname(config.database.file), { recursive: true });
  return sqliteClient(config.database.file);
}
