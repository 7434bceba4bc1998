export { SqliteSource, SQLITE_FILE } from './sqlite-source';
export { restoreSqlite } from './restore-sqlite';
export type { RestoreSqliteOptions } from './restore-sqlite';
export { drillSqlite } from '../../drill/sqlite-drill';
