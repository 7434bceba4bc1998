import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { Database } from '../database';
import { Endpoint, type EndpointOptions } from '../endpoint';
import { ReplicaSet } from '../replica-set';
import type { RoutingOptions } from '../routed-executor';
import { SqliteSource } from './sqlite-source';
import { sqliteDialect } from './sqlite-dialect';

/** Options of a SQLite database. */
export interface SqliteDatabaseOptions {
  /** Database file (`:memory:` for a private in-memory database). */
  file: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  synchronize?: boolean;
  /** How long to wait for another process's write lock, ms (default 5,000). */
  busyTimeoutMs?: number;
  endpoint?: EndpointOptions;
  routing?: RoutingOptions;
  typeorm?: Partial<DataSourceOptions>;
}

/** Opens a SQLite database through TypeORM's better-sqlite3 driver (WAL journal, busy timeout). */
export async function sqliteDatabase(options: SqliteDatabaseOptions): Promise<Database> {
  const dataSource = new DataSource({
    ...(options.typeorm as object),
    type: 'better-sqlite3',
    database: options.file,
    entities: options.entities,
    synchronize: options.synchronize ?? false,
    enableWAL: options.file !== ':memory:',
    timeout: options.busyTimeoutMs ?? 5_000,
  } as DataSourceOptions);
  await dataSource.initialize();
  const db = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
  const primary = new Endpoint('sqlite', new SqliteSource(db), sqliteDialect, 1, { ...options.endpoint, bulkhead: options.endpoint?.bulkhead ?? 64 });
  return new Database(dataSource, primary, new ReplicaSet([]), options.routing ?? {}, () => dataSource.destroy());
}
