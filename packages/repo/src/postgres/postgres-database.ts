import pg from 'pg';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { Database } from '../database';
import { settleWithin } from '../deadline-clock';
import { driverError } from '../dialect';
import { DatabaseUnavailableError } from '../errors';
import { Endpoint, type EndpointOptions } from '../endpoint';
import { ReplicaSet, type ReplicaOptions } from '../replica-set';
import type { RoutingOptions } from '../routed-executor';
import { PgSource, pgPoolConfig, pgPoolSettings, type PgPoolOptions } from './pg-source';
import { postgresDialect } from './postgres-dialect';

/** Options of a PostgreSQL database. */
export interface PostgresDatabaseOptions {
  url: string;
  /** Read replicas (streaming standbys). */
  replicaUrls?: string[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  /** Create / alter tables from the entities (tests and development; use migrations in production). */
  synchronize?: boolean;
  /** PostgreSQL schema for the tables (default `public`). */
  schema?: string;
  pool?: PgPoolOptions;
  /** Breaker, bulkhead, deadline (applied to the primary and each replica). */
  endpoint?: EndpointOptions;
  replicas?: ReplicaOptions;
  routing?: RoutingOptions;
  /** Extra TypeORM options (logging, naming strategy...). */
  typeorm?: Partial<DataSourceOptions>;
}

/**
 * Opens a PostgreSQL database: TypeORM's DataSource (its pool configured with the seed's defaults) for
 * the primary, a pool per replica, lag measured before the first read.
 */
export async function postgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const settings = pgPoolSettings(options.pool);
  const pool = pgPoolConfig(options.url, settings);
  const dataSource = new DataSource({
    ...(options.typeorm as object),
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    synchronize: options.synchronize ?? false,
    poolSize: settings.max,
    extra: { max: pool.max, connectionTimeoutMillis: pool.connectionTimeoutMillis, idleTimeoutMillis: pool.idleTimeoutMillis, maxLifetimeSeconds: pool.maxLifetimeSeconds },
  } as DataSourceOptions);
  await probe(options.url, settings.connectTimeoutMs);
  try {
    await dataSource.initialize();
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    if (postgresDialect.isConnectionError(error)) throw unavailable(error);
    throw driverError(error, postgresDialect);
  }
  const driverPool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  const schemaPath = options.schema ? { options: `-c search_path=${options.schema}` } : {};
  const primary = new Endpoint('primary', new PgSource(driverPool, options.url, settings, false), postgresDialect, settings.max, options.endpoint);
  const replicas = (options.replicaUrls ?? []).map(
    (url, i) => new Endpoint(`replica-${i + 1}`, new PgSource(new pg.Pool({ ...pgPoolConfig(url, settings), ...schemaPath }), url, settings, true), postgresDialect, settings.max, options.endpoint),
  );
  const replicaSet = new ReplicaSet(replicas, options.replicas);
  await replicaSet.refresh();
  return new Database(dataSource, primary, replicaSet, options.routing ?? {}, () => dataSource.destroy());
}

/**
 * One connection and `SELECT 1` within `timeoutMs` before the pool opens, so a server that is down or
 * accepts and never answers fails start-up quickly, typed, and leaves no socket behind.
 */
async function probe(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  const outcome = await settleWithin(
    client.connect().then(() => client.query('SELECT 1')),
    timeoutMs + 500,
  );
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  if (outcome === 'pending') throw new DatabaseUnavailableError(`PostgreSQL at ${redactUrl(url)} accepted the connection but did not answer within ${timeoutMs} ms`);
  if ('error' in outcome) {
    if (postgresDialect.isDriverError(outcome.error) && !postgresDialect.isConnectionError(outcome.error)) throw driverError(outcome.error, postgresDialect);
    throw unavailable(outcome.error, url);
  }
}

function unavailable(error: unknown, url?: string): DatabaseUnavailableError {
  const where = url ? ` at ${redactUrl(url)}` : '';
  return new DatabaseUnavailableError(`PostgreSQL${where} is unavailable: ${(error as Error).message}; check that it runs and is reachable`, { cause: error });
}

/** host:port/database of a URL, never its user or password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
