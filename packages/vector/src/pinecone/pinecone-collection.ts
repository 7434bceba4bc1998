import type { Index, RecordMetadata } from '@pinecone-database/pinecone';
import type { IPolicy } from 'cockatiel';
import { BackendUnavailableError, InvalidArgumentError } from '../errors';
import { compileFilter, type Filter } from '../filter';
import type { QueryStatsBook } from '../query-stats';
import { scoreFromDistance } from '../score';
import type { Collection, CollectionInfo, Match, Metadata, Metric, Progress, QueryOptions, ScanOptions, StoredRecord, VectorRecord, WriteOptions } from '../types';
import { assertId, assertMetadata, assertQuery, namespaceOf, prepareRecords, toVector } from '../validate';
import { chunks, upsertBatches } from './batches';

/** Metadata key naming a record's collection (user keys may not start with `__core`). */
export const COLLECTION_KEY = '__core_collection';
/** Metadata key holding a record's expiry (epoch ms) in a collection with a TTL. */
export const EXPIRES_KEY = '__core_expires_at';
const FETCH_CHUNK = 100;
const DELETE_CHUNK = 1_000;

/** A collection's settings as the registry keeps them. */
export interface PineconeCollectionConfig {
  name: string;
  dimension: number;
  metric: Metric;
  ttlMs: number | undefined;
}

/**
 * A collection inside a shared Pinecone index. Record ids are `<collection>#<id>` and every record
 * carries `__core_collection`, so collections stay apart (queries filter on it, listings use the id
 * prefix). TTL is an `__core_expires_at` timestamp that queries filter on and `sweep` deletes by.
 * Delete-by-filter lists the collection's ids, fetches their metadata and deletes the matches:
 * serverless indexes have no delete by metadata.
 */
export class PineconeCollection implements Collection {
  readonly name: string;
  readonly config: PineconeCollectionConfig;
  readonly #index: Index<RecordMetadata>;
  readonly #policy: IPolicy;
  readonly #prefix: string;
  readonly #queries: QueryStatsBook;

  constructor(index: Index<RecordMetadata>, config: PineconeCollectionConfig, policy: IPolicy, queries: QueryStatsBook) {
    this.#queries = queries;
    this.name = config.name;
    this.config = config;
    this.#index = index;
    this.#policy = policy;
    this.#prefix = `${config.name}#`;
  }

  async upsert(records: VectorRecord[], options: WriteOptions = {}): Promise<number> {
    const prepared = prepareRecords(records, this.config.dimension);
    const ns = userNamespace(options.namespace);
    for (const r of prepared) this.#assertIdFits(r.id);
    const expiresAt = this.config.ttlMs === undefined ? undefined : Date.now() + this.config.ttlMs;
    const rows = prepared.map((r) => ({
      id: this.#prefix + r.id,
      values: Array.from(r.vector),
      metadata: { ...r.metadata, [COLLECTION_KEY]: this.name, ...(expiresAt === undefined ? {} : { [EXPIRES_KEY]: expiresAt }) },
    }));
    let done = 0;
    for (const batch of upsertBatches(rows)) {
      await this.#call('upsert', () => this.#index.upsert({ records: batch, namespace: ns }));
      done += batch.length;
      options.onProgress?.({ operation: 'upsert', done, total: rows.length });
    }
    return prepared.length;
  }

  async get(ids: string[], options: { namespace?: string; includeVectors?: boolean } = {}): Promise<StoredRecord[]> {
    ids.forEach(assertId);
    const found = await this.#fetch(ids, userNamespace(options.namespace));
    const now = Date.now();
    return ids
      .map((id) => found.get(id))
      .filter((r): r is FetchedRecord => r !== undefined && !this.#expired(r.metadata, now))
      .map((r) => this.#record(r.id, r.metadata, r.values, true, options.includeVectors ?? false));
  }

  async delete(ids: string[], options: { namespace?: string } = {}): Promise<number> {
    if (!Array.isArray(ids)) throw new InvalidArgumentError('delete takes an array of ids');
    ids.forEach(assertId);
    const ns = userNamespace(options.namespace);
    const present = [...(await this.#fetch(ids, ns)).keys()];
    await this.#deleteIds(present, ns);
    return present.length;
  }

  async deleteByFilter(filter: Filter, options: WriteOptions = {}): Promise<number> {
    const predicate = compileFilter(filter)!;
    const ns = userNamespace(options.namespace);
    const matching: string[] = [];
    for await (const page of this.#pages(ns)) {
      for (const record of page) if (predicate(userMetadata(record.metadata))) matching.push(record.id);
    }
    await this.#deleteIds(matching, ns, options.onProgress);
    return matching.length;
  }

  async update(id: string, change: { metadata?: Metadata; vector?: ArrayLike<number> }, options: { namespace?: string } = {}): Promise<boolean> {
    assertId(id);
    assertMetadata(change.metadata, id);
    const vector = change.vector === undefined ? undefined : Array.from(toVector(change.vector, this.config.dimension, `vector of "${id}"`));
    const ns = userNamespace(options.namespace);
    const existing = (await this.#fetch([id], ns)).get(id);
    if (!existing || this.#expired(existing.metadata, Date.now())) return false;
    await this.#call('update', () =>
      this.#index.update({ id: this.#prefix + id, namespace: ns, ...(vector ? { values: vector } : {}), ...(change.metadata ? { metadata: change.metadata } : {}) } as never),
    );
    return true;
  }

  async query(options: QueryOptions): Promise<Match[]> {
    return this.#queries.time(this.name, () => this.#query(options));
  }

  async #query(options: QueryOptions): Promise<Match[]> {
    assertQuery(options);
    compileFilter(options.filter); // validate before any request
    const ns = userNamespace(options.namespace);
    const vector = options.vector === undefined ? undefined : Array.from(toVector(options.vector, this.config.dimension, 'query vector'));
    if (options.id !== undefined) this.#assertIdFits(options.id);
    const conditions: Filter[] = [{ [COLLECTION_KEY]: { $eq: this.name } }];
    if (this.config.ttlMs !== undefined) conditions.push({ [EXPIRES_KEY]: { $gt: Date.now() } });
    if (options.filter) conditions.push(options.filter);
    const response = await this.#call('query', () =>
      this.#index.query({
        topK: options.topK,
        namespace: ns,
        filter: conditions.length === 1 ? conditions[0]! : { $and: conditions },
        includeMetadata: true,
        includeValues: options.includeVectors ?? false,
        ...(vector ? { vector } : { id: this.#prefix + options.id }),
      } as never),
    );
    const matches: Match[] = [];
    for (const m of response.matches ?? []) {
      const score = this.#score(m.score ?? 0);
      if (options.minScore !== undefined && score < options.minScore) continue;
      const record = this.#record(m.id.slice(this.#prefix.length), m.metadata, m.values, options.includeMetadata ?? true, options.includeVectors ?? false);
      matches.push({ ...record, score });
    }
    return matches.sort((a, b) => b.score - a.score);
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<StoredRecord & { vector: number[] }> {
    const predicate = compileFilter(options.filter);
    const now = Date.now();
    for await (const page of this.#pages(userNamespace(options.namespace))) {
      for (const r of page) {
        if (this.#expired(r.metadata, now)) continue;
        const metadata = userMetadata(r.metadata);
        if (predicate && !predicate(metadata)) continue;
        yield { id: r.id, metadata, vector: r.values };
      }
    }
  }

  async describe(): Promise<CollectionInfo> {
    const stats = await this.#call('describeIndexStats', () => this.#index.describeIndexStats());
    const namespaces: Record<string, number> = {};
    let count = 0;
    for (const ns of Object.keys(stats.namespaces ?? {})) {
      if (ns.startsWith('__core')) continue;
      let n = 0;
      for await (const ids of this.#idPages(ns)) n += ids.length;
      if (n > 0) namespaces[ns] = n;
      count += n;
    }
    return {
      name: this.name,
      dimension: this.config.dimension,
      metric: this.config.metric,
      index: { m: 0, efConstruction: 0, ef: 0 },
      ttlMs: this.config.ttlMs,
      count,
      namespaces,
      // Pinecone does not report bytes: vectors as float32 plus a metadata allowance.
      bytes: count * (this.config.dimension * 4 + 256),
    };
  }

  /** Deletes expired records in every namespace; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.config.ttlMs === undefined) return 0;
    const stats = await this.#call('describeIndexStats', () => this.#index.describeIndexStats());
    let removed = 0;
    for (const ns of Object.keys(stats.namespaces ?? {})) {
      if (ns.startsWith('__core')) continue;
      const expired: string[] = [];
      for await (const page of this.#pages(ns)) for (const r of page) if (this.#expired(r.metadata, now)) expired.push(r.id);
      await this.#deleteIds(expired, ns);
      removed += expired.length;
    }
    return removed;
  }

  /** Deletes every record of the collection in every namespace. */
  async purge(): Promise<void> {
    const stats = await this.#call('describeIndexStats', () => this.#index.describeIndexStats());
    for (const ns of Object.keys(stats.namespaces ?? {})) {
      if (ns.startsWith('__core')) continue;
      const ids: string[] = [];
      for await (const page of this.#idPages(ns)) ids.push(...page);
      await this.#deleteIds(ids, ns);
    }
  }

  // --- internals -------------------------------------------------------------------------------

  #score(raw: number): number {
    // Pinecone reports cosine similarity, the dot product, or the squared Euclidean distance.
    return this.config.metric === 'euclidean' ? scoreFromDistance('euclidean', raw) : raw;
  }

  #expired(metadata: RecordMetadata | undefined, now: number): boolean {
    const at = metadata?.[EXPIRES_KEY];
    return typeof at === 'number' && at <= now;
  }

  #record(id: string, metadata: RecordMetadata | undefined, values: number[] | undefined, includeMetadata: boolean, includeVector: boolean): StoredRecord {
    const record: StoredRecord = { id };
    const user = userMetadata(metadata);
    if (includeMetadata && user) record.metadata = user;
    if (includeVector && values) record.vector = values;
    return record;
  }

  #assertIdFits(id: string): void {
    if (Buffer.byteLength(this.#prefix + id) > 512) throw new InvalidArgumentError(`record id "${id}" is too long: with the collection prefix it exceeds Pinecone's 512 bytes`);
  }

  async #fetch(ids: string[], ns: string): Promise<Map<string, FetchedRecord>> {
    const found = new Map<string, FetchedRecord>();
    for (const chunk of chunks(ids, FETCH_CHUNK)) {
      const response = await this.#call('fetch', () => this.#index.fetch({ ids: chunk.map((id) => this.#prefix + id), namespace: ns }));
      for (const [fullId, r] of Object.entries(response.records ?? {})) {
        const id = fullId.slice(this.#prefix.length);
        found.set(id, { id, metadata: r.metadata, values: r.values ?? [] });
      }
    }
    return found;
  }

  async #deleteIds(ids: string[], ns: string, onProgress?: (p: Progress) => void): Promise<void> {
    let done = 0;
    for (const chunk of chunks(ids, DELETE_CHUNK)) {
      await this.#call('delete', () => this.#index.deleteMany({ ids: chunk.map((id) => this.#prefix + id), namespace: ns }));
      done += chunk.length;
      onProgress?.({ operation: 'delete', done, total: ids.length });
    }
  }

  /** The collection's ids in a namespace, a page at a time (list by id prefix). */
  async *#idPages(ns: string): AsyncIterable<string[]> {
    let token: string | undefined;
    do {
      const page = await this.#call('list', () => this.#index.listPaginated({ prefix: this.#prefix, namespace: ns, limit: 100, ...(token ? { paginationToken: token } : {}) }));
      const ids = (page.vectors ?? []).map((v) => v.id!).filter((id) => id.startsWith(this.#prefix));
      if (ids.length > 0) yield ids.map((id) => id.slice(this.#prefix.length));
      token = page.pagination?.next;
    } while (token);
  }

  /** The collection's records in a namespace with metadata and values, a page at a time. */
  async *#pages(ns: string): AsyncIterable<FetchedRecord[]> {
    for await (const ids of this.#idPages(ns)) yield [...(await this.#fetch(ids, ns)).values()];
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(fn);
    } catch (error) {
      throw wrapError(operation, error);
    }
  }
}

interface FetchedRecord {
  id: string;
  metadata: RecordMetadata | undefined;
  values: number[];
}

/** A user namespace; names starting with `__core` are reserved for the registry. */
function userNamespace(namespace: unknown): string {
  const ns = namespaceOf(namespace);
  if (ns.startsWith('__core')) throw new InvalidArgumentError(`namespace "${ns}" is reserved`);
  return ns;
}

/** Metadata without this backend's own keys. */
function userMetadata(metadata: RecordMetadata | undefined): Metadata | undefined {
  if (!metadata) return undefined;
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) if (!key.startsWith('__core')) out[key] = value as Metadata[string];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Pinecone errors after retries become `BackendUnavailableError`; our own validation errors pass through. */
export function wrapError(operation: string, error: unknown): Error {
  if (error instanceof Error && error.name.startsWith('Pinecone')) {
    return new BackendUnavailableError(`Pinecone ${operation} failed: ${error.message}`, { cause: error });
  }
  return error as Error;
}
