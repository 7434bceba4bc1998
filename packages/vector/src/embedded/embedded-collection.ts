import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, ReadOnlyError } from '../errors';
import { compileFilter, type Filter } from '../filter';
import type { Collection, CollectionInfo, Match, Metadata, Progress, QueryOptions, ScanOptions, StoredRecord, VectorRecord, WriteOptions } from '../types';
import { assertId, assertMetadata, assertQuery, namespaceOf, prepareRecords, toQueryVector, toVector } from '../validate';
import type { CollectionConfig, EmbeddedRuntime } from './collection-config';
import { CollectionLock } from './collection-lock';
import { CollectionState } from './collection-state';
import { loadCollection, writeCheckpoint, type Persisted } from './persistence';
import { allowFor, planSearch } from './query-planner';
import type { RecordEntry } from './record-table';
import { writeDurably } from './snapshot';
import { encodeVector, type WalEntry } from './wal';

export type { CollectionConfig, EmbeddedRuntime } from './collection-config';

const CHUNK = 1_000;

/**
 * A collection in the embedded backend — the facade: validation, one writer at a time, log before
 * apply. The records and graph live in `CollectionState`, loading and checkpoints in `persistence`,
 * query planning in `query-planner`, the single-writer lock in `CollectionLock`.
 */
export class EmbeddedCollection implements Collection {
  readonly name: string;
  readonly config: CollectionConfig;
  readonly #dir: string;
  readonly #runtime: EmbeddedRuntime;
  readonly #state: CollectionState;
  readonly #lock: CollectionLock | undefined;
  #persisted!: Persisted;
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, config: CollectionConfig, runtime: EmbeddedRuntime, lock: CollectionLock | undefined) {
    this.name = config.name;
    this.config = config;
    this.#dir = dir;
    this.#runtime = runtime;
    this.#lock = lock;
    this.#state = new CollectionState(config);
  }

  /** Creates the directory's config file for a new collection. */
  static async create(dir: string, config: CollectionConfig, runtime: EmbeddedRuntime): Promise<EmbeddedCollection> {
    if (runtime.readOnly) throw new ReadOnlyError(`cannot create collection "${config.name}" in a read-only store`);
    await writeDurably(join(dir, 'collection.json'), JSON.stringify(config));
    return EmbeddedCollection.open(dir, runtime);
  }

  /** Opens a collection (taking its write lock unless read-only): the last checkpoint, then the log. */
  static async open(dir: string, runtime: EmbeddedRuntime): Promise<EmbeddedCollection> {
    const config = JSON.parse(await readFile(join(dir, 'collection.json'), 'utf8')) as CollectionConfig;
    const lock = runtime.readOnly ? undefined : await CollectionLock.acquire(dir, config.name);
    const collection = new EmbeddedCollection(dir, config, runtime, lock);
    try {
      collection.#persisted = await loadCollection(dir, config, collection.#state, { sync: runtime.sync, readOnly: runtime.readOnly, onProgress: (p) => collection.#progress(p) });
    } catch (error) {
      await lock?.release();
      throw error;
    }
    return collection;
  }

  async upsert(records: VectorRecord[], options: WriteOptions = {}): Promise<number> {
    const prepared = prepareRecords(records, this.config.dimension);
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(async () => {
      const expiresAt = this.config.ttlMs === undefined ? null : Date.now() + this.config.ttlMs;
      for (let start = 0; start < prepared.length; start += CHUNK) {
        const chunk = prepared.slice(start, start + CHUNK);
        const entry: WalEntry = { op: 'upsert', ns, records: chunk.map((r) => [r.id, encodeVector(r.vector), r.metadata ?? null, expiresAt]) };
        await this.#persisted.wal.append([entry]);
        for (const r of chunk) this.#state.put(ns, r.id, r.vector, r.metadata, expiresAt ?? Infinity);
        const progress: Progress = { operation: 'upsert', done: Math.min(start + CHUNK, prepared.length), total: prepared.length };
        options.onProgress?.(progress);
        this.#progress(progress);
      }
      await this.#maybeCheckpoint();
      return prepared.length;
    });
  }

  async get(ids: string[], options: { namespace?: string; includeVectors?: boolean } = {}): Promise<StoredRecord[]> {
    ids.forEach(assertId);
    const ns = namespaceOf(options.namespace);
    const now = Date.now();
    const table = this.#state.table;
    const out: StoredRecord[] = [];
    for (const id of ids) {
      const label = table.labelOf(ns, id);
      if (label === undefined) continue;
      const entry = table.entry(label)!;
      if (entry.expiresAt <= now) continue;
      out.push(this.#record(label, entry, true, options.includeVectors ?? false));
    }
    return out;
  }

  async delete(ids: string[], options: { namespace?: string } = {}): Promise<number> {
    if (!Array.isArray(ids)) throw new InvalidArgumentError('delete takes an array of ids');
    ids.forEach(assertId);
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(() => this.#deleteLogged(ns, ids));
  }

  async deleteByFilter(filter: Filter, options: WriteOptions = {}): Promise<number> {
    const predicate = compileFilter(filter)!;
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(() => {
      const ids: string[] = [];
      for (const [, entry] of this.#state.table.entries()) if (entry.namespace === ns && predicate(entry.metadata)) ids.push(entry.id);
      return this.#deleteLogged(ns, ids, options.onProgress);
    });
  }

  async update(id: string, change: { metadata?: Metadata; vector?: ArrayLike<number> }, options: { namespace?: string } = {}): Promise<boolean> {
    assertId(id);
    assertMetadata(change.metadata, id);
    const vector = change.vector === undefined ? undefined : toVector(change.vector, this.config.dimension, `vector of "${id}"`);
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(async () => {
      const table = this.#state.table;
      const label = table.labelOf(ns, id);
      if (label === undefined || table.entry(label)!.expiresAt <= Date.now()) return false;
      const entry = table.entry(label)!;
      const metadata = change.metadata ? { ...entry.metadata, ...change.metadata } : entry.metadata;
      const expiresAt = Number.isFinite(entry.expiresAt) ? entry.expiresAt : null;
      await this.#persisted.wal.append([{ op: 'update', ns, id, metadata: metadata ?? null, vector: vector ? encodeVector(vector) : null, expiresAt }]);
      this.#state.put(ns, id, vector ?? table.vector(label).slice(), metadata, entry.expiresAt, vector === undefined);
      return true;
    });
  }

  async query(options: QueryOptions): Promise<Match[]> {
    return this.#runtime.queries.time(this.name, async () => this.#query(options));
  }

  #query(options: QueryOptions): Match[] {
    assertQuery(options);
    const predicate = compileFilter(options.filter);
    const ns = namespaceOf(options.namespace);
    const vector = this.#queryVector(options, ns);
    const { labels, scores } = planSearch(this.#state, this.config, this.#runtime, vector, options.topK, options.ef ?? this.config.index.ef, ns, predicate);
    const includeMetadata = options.includeMetadata ?? true;
    const includeVectors = options.includeVectors ?? false;
    const table = this.#state.table;
    const matches: Match[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (options.minScore !== undefined && scores[i]! < options.minScore) break;
      const label = labels[i]!;
      const entry = table.entry(label)!;
      const match: Match = { id: entry.id, score: scores[i]! };
      if (includeMetadata && entry.metadata) match.metadata = { ...entry.metadata };
      if (includeVectors) match.vector = Array.from(table.vector(label));
      matches.push(match);
    }
    return matches;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<StoredRecord & { vector: number[] }> {
    const predicate = compileFilter(options.filter);
    const ns = namespaceOf(options.namespace);
    const table = this.#state.table;
    const allow = allowFor(table, ns, Date.now(), predicate);
    for (let label = 0; label < table.labelBound; label++) {
      if (!allow(label)) continue;
      const entry = table.entry(label)!;
      yield { id: entry.id, metadata: entry.metadata, vector: Array.from(table.vector(label)) };
    }
  }

  async describe(): Promise<CollectionInfo> {
    const names = await readdir(this.#dir);
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(this.#dir, n)).catch(() => ({ size: 0 }))).size));
    return {
      name: this.name,
      dimension: this.config.dimension,
      metric: this.config.metric,
      index: this.config.index,
      ttlMs: this.config.ttlMs,
      count: this.#state.table.size,
      namespaces: this.#state.table.namespaceCounts(),
      bytes: sizes.reduce((a, b) => a + b, 0),
    };
  }

  /** Live records (every namespace). */
  get recordCount(): number {
    return this.#state.table.size;
  }

  /** Slots ever handed out (live records + freed slots waiting for reuse). */
  get slots(): number {
    return this.#state.table.labelBound;
  }

  /** RAM held for this collection's vectors and graph (approximate; metadata not counted). */
  get memoryBytes(): number {
    return this.#state.graph.bytes + this.#state.table.arenaBytes;
  }

  /** Deletes expired records; returns how many (a read-only store sweeps nothing). */
  async sweep(now = Date.now()): Promise<number> {
    if (this.#state.expiring === 0 || this.#runtime.readOnly) return 0;
    return this.#exclusive(async () => {
      const byNamespace = new Map<string, string[]>();
      for (const [, entry] of this.#state.table.entries()) {
        if (entry.expiresAt > now) continue;
        const ids = byNamespace.get(entry.namespace) ?? [];
        ids.push(entry.id);
        byNamespace.set(entry.namespace, ids);
      }
      let removed = 0;
      for (const [ns, ids] of byNamespace) removed += await this.#deleteLogged(ns, ids);
      return removed;
    });
  }

  /** Writes a checkpoint so the log starts empty (also done on close and when the log grows). */
  async checkpoint(): Promise<void> {
    if (this.#runtime.readOnly) throw new ReadOnlyError(`collection "${this.name}" is open read-only`);
    await this.#exclusive(() => this.#checkpoint());
  }

  /** Checkpoints if anything was logged, closes the log and gives up the write lock (idempotent). */
  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        if (!this.#runtime.readOnly && this.#persisted.wal.bytes > 0) await this.#checkpoint();
      } finally {
        await this.#persisted.wal.close();
        await this.#lock?.release();
      }
    }, true);
  }

  // --- internals -------------------------------------------------------------------------------

  #queryVector(options: QueryOptions, ns: string): number[] {
    if (options.vector !== undefined) return toQueryVector(options.vector, this.config.dimension);
    const label = this.#state.table.labelOf(ns, options.id!);
    if (label === undefined) throw new InvalidArgumentError(`query by id: no record "${options.id}" in namespace "${ns}"`);
    return Array.from(this.#state.table.vector(label));
  }

  #record(label: number, entry: RecordEntry, includeMetadata: boolean, includeVector: boolean): StoredRecord {
    const record: StoredRecord = { id: entry.id };
    if (includeMetadata && entry.metadata) record.metadata = { ...entry.metadata };
    if (includeVector) record.vector = Array.from(this.#state.table.vector(label));
    return record;
  }

  async #deleteLogged(ns: string, ids: string[], onProgress?: (p: Progress) => void): Promise<number> {
    const present = ids.filter((id) => this.#state.table.labelOf(ns, id) !== undefined);
    let removed = 0;
    for (let start = 0; start < present.length; start += CHUNK) {
      const chunk = present.slice(start, start + CHUNK);
      await this.#persisted.wal.append([{ op: 'delete', ns, ids: chunk }]);
      for (const id of chunk) if (this.#state.remove(ns, id)) removed++;
      const progress: Progress = { operation: 'delete', done: Math.min(start + CHUNK, present.length), total: present.length };
      onProgress?.(progress);
      if (present.length > CHUNK) this.#progress(progress);
    }
    await this.#maybeCheckpoint();
    return removed;
  }

  async #maybeCheckpoint(): Promise<void> {
    if (this.#persisted.wal.bytes >= this.#runtime.checkpointBytes) await this.#checkpoint();
  }

  async #checkpoint(): Promise<void> {
    this.#persisted = await writeCheckpoint(this.#dir, this.#state, this.#persisted, this.#runtime.sync);
  }

  #progress(progress: Progress): void {
    this.#runtime.onProgress?.(this.name, progress);
  }

  /** Runs writes one at a time, in call order, so the log order is the apply order; refused once closed. */
  #exclusive<T>(fn: () => T | Promise<T>, whenClosed = false): Promise<T> {
    const guarded = () => {
      if (this.#closed && !whenClosed) throw new InvalidArgumentError(`collection "${this.name}" is closed`);
      return fn();
    };
    const run = this.#writes.then(guarded, guarded);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}
