export { postgresDatabase } from './postgres-database';
export type { PostgresDatabaseOptions } from './postgres-database';
