import { Pinecone, type Index, type RecordMetadata } from '@pinecone-database/pinecone';
import type { IPolicy } from 'cockatiel';
import { CollectionExistsError, CollectionNotFoundError, InvalidArgumentError } from '../errors';
import { QueryStatsBook } from '../query-stats';
import type { CollectionInfo, CollectionSpec, Metric, VectorStore, VectorStoreStats } from '../types';
import { assertCollectionName, assertMetric, assertPositiveInteger } from '../validate';
import { PineconeCollection, wrapError, type PineconeCollectionConfig } from './pinecone-collection';
import { retryPolicy, type RetryOptions } from './retry-policy';

/** Where collection definitions live inside the index. */
const REGISTRY_NAMESPACE = '__core_collections';

/** Options of the Pinecone store. */
export interface PineconeStoreOptions {
  /** API key (default `PINECONE_API_KEY`); or pass `client`. */
  apiKey?: string;
  /** A client the caller already has. */
  client?: Pinecone;
  /** Index name (default `PINECONE_INDEX`). */
  index?: string;
  /** Data-plane host of the index; skips the control-plane lookup (and points tests at a stand-in). */
  host?: string;
  /** Retries on 429 and 5xx (cockatiel, exponential backoff). */
  retry?: RetryOptions;
  /** Per-request timeout, ms (default 30,000). */
  timeoutMs?: number;
  /**
   * The index's metric. Default: asked from the control plane when the index is given by name;
   * with only a `host`, collections are trusted to match.
   */
  metric?: Metric;
}

/**
 * Collections inside one Pinecone index, with the same API as the embedded store. The index fixes
 * the dimension and metric: every collection must match them. Definitions are stored as records in a
 * reserved namespace, so any process pointed at the index sees the same collections.
 */
export class PineconeVectorStore implements VectorStore {
  readonly #index: Index<RecordMetadata>;
  readonly #policy: IPolicy;
  readonly #queries = new QueryStatsBook();
  readonly #metric: () => Promise<Metric | undefined>;
  #shape: Promise<{ dimension: number; metric: Metric | undefined }> | undefined;

  constructor(options: PineconeStoreOptions = {}) {
    const name = options.index ?? process.env.PINECONE_INDEX;
    const apiKey = options.apiKey ?? process.env.PINECONE_API_KEY;
    if (!options.client && !apiKey) throw new InvalidArgumentError('PineconeVectorStore needs apiKey (or PINECONE_API_KEY) or a client');
    if (!name && !options.host) throw new InvalidArgumentError('PineconeVectorStore needs an index name (or PINECONE_INDEX) or its host');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const client =
      options.client ??
      new Pinecone({
        apiKey: apiKey!,
        // Retries are ours (cockatiel, including 429, which the client does not retry).
        maxRetries: 0,
        fetchApi: ((url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
      });
    this.#index = client.index({ ...(name ? { name } : {}), ...(options.host ? { host: options.host } : {}) } as never);
    this.#policy = retryPolicy(options.retry);
    this.#metric = async () => {
      if (options.metric) return options.metric;
      if (!name || options.host) return undefined;
      const described = await this.#call('describeIndex', () => client.describeIndex(name));
      return fromPineconeMetric(described.metric);
    };
  }

  async createCollection(spec: CollectionSpec): Promise<PineconeCollection> {
    const config = await this.#configOf(spec);
    if (await this.#definition(config.name)) throw new CollectionExistsError(`collection "${config.name}" already exists`);
    const { dimension } = await this.#indexShape();
    await this.#call('upsert', () =>
      this.#index.upsert({
        namespace: REGISTRY_NAMESPACE,
        records: [{ id: config.name, values: unitVector(dimension), metadata: { metric: config.metric, dimension: config.dimension, ...(config.ttlMs ? { ttlMs: config.ttlMs } : {}) } }],
      }),
    );
    return new PineconeCollection(this.#index, config, this.#policy, this.#queries);
  }

  async collection(name: string): Promise<PineconeCollection> {
    assertCollectionName(name);
    const config = await this.#definition(name);
    if (!config) throw new CollectionNotFoundError(`collection "${name}" does not exist`);
    return new PineconeCollection(this.#index, config, this.#policy, this.#queries);
  }

  async listCollections(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('list', () => this.#index.listPaginated({ namespace: REGISTRY_NAMESPACE, limit: 100, ...(token ? { paginationToken: token } : {}) }));
      names.push(...(page.vectors ?? []).map((v) => v.id!));
      token = page.pagination?.next;
    } while (token);
    return names.sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return (await this.collection(name)).describe();
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    const config = await this.#definition(name);
    if (!config) return false;
    await new PineconeCollection(this.#index, config, this.#policy, this.#queries).purge();
    await this.#call('delete', () => this.#index.deleteMany({ ids: [name], namespace: REGISTRY_NAMESPACE }));
    return true;
  }

  /** Deletes expired records of every collection with a TTL; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await this.listCollections()) removed += await (await this.collection(name)).sweep(now);
    return removed;
  }

  /** Query counters of every collection queried (record counts need a request here: undefined). */
  stats(): VectorStoreStats {
    return { collections: this.#queries.snapshot(new Map()) };
  }

  async health(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      await this.#call('describeIndexStats', () => this.#index.describeIndexStats());
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {}

  async #definition(name: string): Promise<PineconeCollectionConfig | undefined> {
    const response = await this.#call('fetch', () => this.#index.fetch({ ids: [name], namespace: REGISTRY_NAMESPACE }));
    const record = response.records?.[name];
    if (!record?.metadata) return undefined;
    const m = record.metadata;
    return { name, dimension: Number(m.dimension), metric: m.metric as Metric, ttlMs: typeof m.ttlMs === 'number' ? m.ttlMs : undefined };
  }

  async #configOf(spec: CollectionSpec): Promise<PineconeCollectionConfig> {
    if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('createCollection takes a spec object');
    assertCollectionName(spec.name);
    assertPositiveInteger(spec.dimension, 'dimension', 20_000);
    const metric = spec.metric ?? 'cosine';
    assertMetric(metric);
    if (spec.ttlMs !== undefined) assertPositiveInteger(spec.ttlMs, 'ttlMs');
    const shape = await this.#indexShape();
    if (spec.dimension !== shape.dimension) {
      throw new InvalidArgumentError(`the Pinecone index has dimension ${shape.dimension}; collection "${spec.name}" asks for ${spec.dimension}`);
    }
    const indexMetric = shape.metric ?? metric;
    if (metric !== indexMetric) throw new InvalidArgumentError(`the Pinecone index uses ${indexMetric}; collection "${spec.name}" asks for ${metric}`);
    return { name: spec.name, dimension: spec.dimension, metric, ttlMs: spec.ttlMs };
  }

  #indexShape(): Promise<{ dimension: number; metric: Metric | undefined }> {
    this.#shape ??= Promise.all([this.#call('describeIndexStats', () => this.#index.describeIndexStats()), this.#metric()]).then(([stats, metric]) => ({
      dimension: stats.dimension ?? 0,
      metric,
    }));
    this.#shape.catch(() => (this.#shape = undefined));
    return this.#shape;
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(fn);
    } catch (error) {
      throw wrapError(operation, error);
    }
  }
}

function fromPineconeMetric(metric: string | undefined): Metric | undefined {
  if (metric === 'dotproduct') return 'dot';
  if (metric === 'cosine' || metric === 'euclidean') return metric;
  return undefined;
}

/** A registry record's vector: Pinecone stores no all-zero dense vectors. */
function unitVector(dimension: number): number[] {
  const v = new Array<number>(dimension).fill(0);
  v[0] = 1;
  return v;
}
