import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CollectionExistsError, CollectionNotFoundError, InvalidArgumentError, ReadOnlyError } from '../errors';
import { QueryStatsBook } from '../query-stats';
import type { CollectionInfo, CollectionSpec, Progress, VectorStore, VectorStoreStats } from '../types';
import { assertCollectionName, assertMetric, assertPositiveInteger } from '../validate';
import { CollectionLock } from './collection-lock';
import { EmbeddedCollection, type CollectionConfig, type EmbeddedRuntime } from './embedded-collection';

/** Options of the embedded store. */
export interface EmbeddedStoreOptions {
  /** Directory holding one sub-directory per collection. */
  dir: string;
  /** Flush each write to disk before acknowledging it (default true). */
  sync?: boolean;
  /**
   * Open collections without their write lock, for reading beside a running writer (a CLI listing):
   * nothing on disk is changed, writes are `ReadOnlyError` (default false).
   */
  readOnly?: boolean;
  /** How often expired records are purged, ms (default 60,000; 0 turns the sweep off). */
  sweepIntervalMs?: number;
  /** Filtered queries expected to match at most this many records are answered exactly (default 20,000). */
  exactLimit?: number;
  /** …or at most this share of the collection (default 0.1: at 10 % of 1 M the graph walk recalled 0.81, the exact path 1.0). */
  exactShare?: number;
  /** Checkpoint a collection once its log passes this many bytes (default 64 MiB). */
  checkpointBytes?: number;
}

/** Events of the embedded store. */
export interface EmbeddedStoreEvents {
  progress: [collection: string, progress: Progress];
  sweep: [collection: string, removed: number];
  error: [Error];
}

/** The seed's HNSW defaults. */
export const DEFAULT_INDEX = { m: 16, efConstruction: 200, ef: 100 };

/**
 * The default backend: collections on local disk, each an HNSW graph (hnswlib-node) with its records,
 * a write-ahead log and checkpoints. No service to run. A background sweep purges expired records
 * (queries never return them in between).
 */
export class EmbeddedVectorStore extends EventEmitter<EmbeddedStoreEvents> implements VectorStore {
  readonly #dir: string;
  readonly #runtime: EmbeddedRuntime;
  readonly #open = new Map<string, Promise<EmbeddedCollection>>();
  /** The open collections once their opening finished (what `stats()` reads synchronously). */
  readonly #ready = new Map<string, EmbeddedCollection>();
  readonly #queries = new QueryStatsBook();
  readonly #sweeper: NodeJS.Timeout | undefined;

  constructor(options: EmbeddedStoreOptions) {
    super();
    if (typeof options?.dir !== 'string' || options.dir.length === 0) throw new InvalidArgumentError('EmbeddedVectorStore needs a dir');
    this.#dir = options.dir;
    this.#runtime = {
      sync: options.sync ?? true,
      readOnly: options.readOnly ?? false,
      exactLimit: options.exactLimit ?? 20_000,
      exactShare: options.exactShare ?? 0.1,
      checkpointBytes: options.checkpointBytes ?? 64 * 1024 * 1024,
      onProgress: (collection, progress) => this.emit('progress', collection, progress),
      queries: this.#queries,
    };
    const interval = this.#runtime.readOnly ? 0 : (options.sweepIntervalMs ?? 60_000);
    if (interval > 0) {
      this.#sweeper = setInterval(() => void this.sweep().catch((e: Error) => this.listenerCount('error') > 0 && this.emit('error', e)), interval);
      this.#sweeper.unref();
    }
  }

  async createCollection(spec: CollectionSpec): Promise<EmbeddedCollection> {
    const config = configOf(spec);
    if (this.#runtime.readOnly) throw new ReadOnlyError(`cannot create collection "${config.name}": the store is open read-only`);
    const dir = join(this.#dir, config.name);
    await mkdir(this.#dir, { recursive: true });
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CollectionExistsError(`collection "${config.name}" already exists`);
      throw error;
    }
    return this.#track(config.name, EmbeddedCollection.create(dir, config, this.#runtime));
  }

  async collection(name: string): Promise<EmbeddedCollection> {
    assertCollectionName(name);
    let opening = this.#open.get(name);
    if (!opening) {
      const dir = join(this.#dir, name);
      if (!(await isCollectionDir(dir))) throw new CollectionNotFoundError(`collection "${name}" does not exist`);
      opening = this.#track(name, EmbeddedCollection.open(dir, this.#runtime));
    }
    return opening;
  }

  #track(name: string, opening: Promise<EmbeddedCollection>): Promise<EmbeddedCollection> {
    this.#open.set(name, opening);
    opening.then(
      (collection) => this.#open.get(name) === opening && this.#ready.set(name, collection),
      () => this.#open.delete(name),
    );
    return opening;
  }

  async listCollections(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const checks = await Promise.all(names.map(async (n) => ((await isCollectionDir(join(this.#dir, n))) ? n : undefined)));
    return checks.filter((n): n is string => n !== undefined).sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return (await this.collection(name)).describe();
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    if (this.#runtime.readOnly) throw new ReadOnlyError(`cannot drop collection "${name}": the store is open read-only`);
    const opening = this.#open.get(name);
    this.#open.delete(name);
    this.#ready.delete(name);
    if (opening) await (await opening).close().catch(() => undefined);
    const dir = join(this.#dir, name);
    if (!(await isCollectionDir(dir))) return false;
    // Never pull a collection from under a live writer in another process.
    await CollectionLock.acquire(dir, name);
    await rm(dir, { recursive: true, force: true });
    return true;
  }

  /** Purges expired records from every open collection; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let total = 0;
    for (const [name, opening] of this.#open) {
      const removed = await (await opening).sweep(now);
      if (removed > 0) this.emit('sweep', name, removed);
      total += removed;
    }
    return total;
  }

  async health(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      await mkdir(this.#dir, { recursive: true });
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  /** Open collections with their live record counts, and query counters of every collection queried. */
  stats(): VectorStoreStats {
    return { collections: this.#queries.snapshot(new Map([...this.#ready].map(([name, c]) => [name, c.recordCount]))) };
  }

  /** Checkpoints and closes every open collection, releasing their write locks (idempotent). */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    const open = [...this.#open.values()];
    this.#open.clear();
    this.#ready.clear();
    await Promise.all(open.map(async (o) => (await o).close()));
  }
}

function configOf(spec: CollectionSpec): CollectionConfig {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('createCollection takes a spec object');
  assertCollectionName(spec.name);
  assertPositiveInteger(spec.dimension, 'dimension', 20_000);
  const metric = spec.metric ?? 'cosine';
  assertMetric(metric);
  const index = { ...DEFAULT_INDEX, ...spec.index };
  assertPositiveInteger(index.m, 'index.m', 100);
  assertPositiveInteger(index.efConstruction, 'index.efConstruction', 10_000);
  assertPositiveInteger(index.ef, 'index.ef', 10_000);
  if (spec.ttlMs !== undefined) assertPositiveInteger(spec.ttlMs, 'ttlMs');
  return { name: spec.name, dimension: spec.dimension, metric, index, ttlMs: spec.ttlMs };
}

async function isCollectionDir(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'collection.json'))).isFile();
  } catch {
    return false;
  }
}
