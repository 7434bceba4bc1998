export { PostgresSource, DUMP_FILE } from './postgres-source';
export type { PostgresSourceOptions } from './postgres-source';
export { restorePostgres } from './restore-postgres';
export type { RestorePostgresOptions } from './restore-postgres';
