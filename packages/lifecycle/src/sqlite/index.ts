export { sqliteDatabase } from './sqlite-database';
export type { SqliteDatabaseOptions } from './sqlite-database';
