import type { Metric, Progress } from '../types';
import type { QueryStatsBook } from '../query-stats';

/** A collection's fixed settings, stored in `collection.json`. */
export interface CollectionConfig {
  name: string;
  dimension: number;
  metric: Metric;
  index: { m: number; efConstruction: number; ef: number };
  ttlMs: number | undefined;
}

/** How an embedded collection runs. */
export interface EmbeddedRuntime {
  /** Flush the log to disk before acknowledging a write (default true). */
  sync: boolean;
  /** Open without the write lock: reads only, nothing on disk is changed. */
  readOnly: boolean;
  /** Filtered queries expected to match at most this many records are answered exactly (default 20,000). */
  exactLimit: number;
  /** …or at most this share of the collection (default 0.1). */
  exactShare: number;
  /** Checkpoint once the log passes this many bytes (default 64 MiB). */
  checkpointBytes: number;
  /** Progress of upserts, deletes and index builds. */
  onProgress?: (collection: string, progress: Progress) => void;
  /** Where queries are counted and timed (the store's, for `stats()`). */
  queries: QueryStatsBook;
}
