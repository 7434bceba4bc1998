export { SqliteDriver } from './sqlite-driver';
export type { SqliteDriverOptions } from './sqlite-driver';
