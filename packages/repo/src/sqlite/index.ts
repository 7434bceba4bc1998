export { sqliteDatabase, type SqliteDatabaseOptions } from './sqlite-database';
export { sqliteDialect } from './sqlite-dialect';
