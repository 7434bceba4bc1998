import type { Filter } from './filter';

/** How closeness is measured. Scores are always "higher is closer" (see `score.ts`). */
export type Metric = 'cosine' | 'euclidean' | 'dot';

/** Metadata values: the same flat types Pinecone accepts, so every backend stores the same thing. */
export type MetadataValue = string | number | boolean | string[];

/** A record's metadata. */
export type Metadata = Record<string, MetadataValue>;

/** HNSW parameters of the embedded index (the seed's defaults: M=16, efConstruction=200, ef=100). */
export interface IndexParameters {
  m?: number;
  efConstruction?: number;
  ef?: number;
}

/** What `createCollection` takes. */
export interface CollectionSpec {
  name: string;
  dimension: number;
  metric?: Metric;
  index?: IndexParameters;
  /** Records expire this many ms after their last upsert (default: never). */
  ttlMs?: number;
}

/** What `describe` returns. */
export interface CollectionInfo {
  name: string;
  dimension: number;
  metric: Metric;
  index: Required<IndexParameters>;
  ttlMs: number | undefined;
  /** Live records over every namespace. */
  count: number;
  /** Live records per namespace ('' is the default namespace). */
  namespaces: Record<string, number>;
  /** Bytes the collection takes on disk (embedded) or an estimate of vector + metadata bytes. */
  bytes: number;
}

/** A record to upsert. */
export interface VectorRecord {
  id: string;
  vector: ArrayLike<number>;
  metadata?: Metadata;
}

/** A record read back. */
export interface StoredRecord {
  id: string;
  vector?: number[];
  metadata?: Metadata;
}

/** A query result. */
export interface Match extends StoredRecord {
  /** Higher is closer, on the collection metric's scale (see `score.ts`). */
  score: number;
}

/** Progress of a long operation (large upserts, index builds). */
export interface Progress {
  operation: 'upsert' | 'build' | 'delete';
  done: number;
  total: number;
}

/** Options shared by writes. */
export interface WriteOptions {
  namespace?: string;
  onProgress?: (progress: Progress) => void;
}

/** What `query` takes: a vector or the id of a stored record. */
export interface QueryOptions {
  vector?: ArrayLike<number>;
  id?: string;
  topK: number;
  filter?: Filter;
  /** Drop matches scoring below this (same scale for every metric and backend). */
  minScore?: number;
  namespace?: string;
  includeVectors?: boolean;
  /** Default true. */
  includeMetadata?: boolean;
  /** Search width for this query (embedded HNSW; default the collection's `ef`; Pinecone ignores it). */
  ef?: number;
}

/** Options of a full scan (analytics). */
export interface ScanOptions {
  namespace?: string;
  filter?: Filter;
}

/** One collection's records: the API both backends implement. */
export interface Collection {
  readonly name: string;
  upsert(records: VectorRecord[], options?: WriteOptions): Promise<number>;
  get(ids: string[], options?: { namespace?: string; includeVectors?: boolean }): Promise<StoredRecord[]>;
  delete(ids: string[], options?: { namespace?: string }): Promise<number>;
  deleteByFilter(filter: Filter, options?: WriteOptions): Promise<number>;
  update(id: string, change: { metadata?: Metadata; vector?: ArrayLike<number> }, options?: { namespace?: string }): Promise<boolean>;
  query(options: QueryOptions): Promise<Match[]>;
  /** Every live record with its vector, a page at a time. */
  scan(options?: ScanOptions): AsyncIterable<StoredRecord & { vector: number[] }>;
  describe(): Promise<CollectionInfo>;
}

/** One collection's counters as `VectorStore.stats()` reports them. */
export interface CollectionStats {
  /** Live records, when known without a request (embedded: collections open in this process; Pinecone: undefined). */
  records: number | undefined;
  /** Queries since the store opened, and those that failed. */
  queries: number;
  queryErrors: number;
  /** Time spent in queries, in seconds. */
  querySeconds: number;
  /** Median and 99th percentile of the last 1,024 queries, in seconds (absent before the first). */
  p50Seconds?: number;
  p99Seconds?: number;
}

/** What a store reports without a request: the collections this process opened or queried. */
export interface VectorStoreStats {
  collections: Record<string, CollectionStats>;
}

/** A set of collections on one backend. */
export interface VectorStore {
  createCollection(spec: CollectionSpec): Promise<Collection>;
  collection(name: string): Promise<Collection>;
  listCollections(): Promise<string[]>;
  describeCollection(name: string): Promise<CollectionInfo>;
  dropCollection(name: string): Promise<boolean>;
  /** Deletes expired records now (a background sweep also runs where the backend has one). */
  sweep(now?: number): Promise<number>;
  /** `up` when the backend answers. */
  health(): Promise<{ status: 'up' | 'down'; detail?: string }>;
  /** Counters read without a request (for `@core/monitor`'s collectors). */
  stats(): VectorStoreStats;
  close(): Promise<void>;
}
