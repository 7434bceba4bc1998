export { postgresDatabase, type PostgresDatabaseOptions } from './postgres-database';
export { postgresDialect } from './postgres-dialect';
export { pgPoolSettings, type PgPoolOptions } from './pg-source';
