export { PostgresDriver } from './postgres-driver';
export type { PostgresDriverOptions } from './postgres-driver';
