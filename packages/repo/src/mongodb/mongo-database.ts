import type { MongoClient } from 'mongodb';
import { DataSource, type DataSourceOptions, type EntitySchema, type EntityTarget, type MixedList, type ObjectLiteral } from 'typeorm';
import type { EndpointOptions, EndpointStats } from '../endpoint';
import { MongoEndpoint } from './mongo-endpoint';
import { MongoRepository } from './mongo-repository';

/** Options of a MongoDB database. */
export interface MongoDatabaseOptions {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  /** Create the entities' indexes. */
  synchronize?: boolean;
  /** Connection pool size (default 20). */
  poolSize?: number;
  endpoint?: EndpointOptions;
  typeorm?: Partial<DataSourceOptions>;
}

/** MongoDB through TypeORM's MongoDB driver: the repository API, breaker, bulkhead and deadlines. */
export class MongoDatabase {
  readonly dataSource: DataSource;
  readonly #client: MongoClient;
  readonly #endpoint: MongoEndpoint;

  constructor(dataSource: DataSource, client: MongoClient, endpoint: MongoEndpoint) {
    this.dataSource = dataSource;
    this.#client = client;
    this.#endpoint = endpoint;
  }

  repository<T extends ObjectLiteral>(target: EntityTarget<T>): MongoRepository<T> {
    const metadata = this.dataSource.getMetadata(target);
    return new MongoRepository<T>(metadata, this.#client.db().collection(metadata.tableName), this.#endpoint);
  }

  stats(): { primary: EndpointStats; replicas: [] } {
    return { primary: this.#endpoint.stats(), replicas: [] };
  }

  async health(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      await this.#endpoint.run((maxTimeMS) => this.#client.db().command({ ping: 1 }, { maxTimeMS } as object), { timeoutMs: 2_000 });
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  /** Closes the client; calling it again does nothing. */
  async close(): Promise<void> {
    this.#closing ??= this.dataSource.isInitialized ? this.dataSource.destroy() : Promise.resolve();
    await this.#closing;
  }

  #closing: Promise<void> | undefined;
}

/** Opens a MongoDB database (the URL names the database). */
export async function mongoDatabase(options: MongoDatabaseOptions): Promise<MongoDatabase> {
  const poolSize = options.poolSize ?? 20;
  const dataSource = new DataSource({
    ...(options.typeorm as object),
    type: 'mongodb',
    url: options.url,
    entities: options.entities,
    synchronize: options.synchronize ?? false,
    maxPoolSize: poolSize,
  } as DataSourceOptions);
  await dataSource.initialize();
  const client = (dataSource.driver as unknown as { queryRunner: { databaseConnection: MongoClient } }).queryRunner.databaseConnection;
  return new MongoDatabase(dataSource, client, new MongoEndpoint('mongodb', poolSize, options.endpoint));
}
