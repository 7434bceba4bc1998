import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptCollectionError, InvalidArgumentError } from '../errors';
import { compileFilter, type Filter, type Predicate } from '../filter';
import { exactScore, scoreFromDistance } from '../score';
import type { Collection, CollectionInfo, Match, Metadata, Metric, Progress, QueryOptions, ScanOptions, StoredRecord, VectorRecord, WriteOptions } from '../types';
import { assertId, assertMetadata, assertQuery, namespaceOf, prepareRecords, toQueryVector, toVector } from '../validate';
import { HnswGraph } from './hnsw-graph';
import { RecordTable, type RecordEntry } from './record-table';
import { publishManifest, readManifest, readRecords, removeSnapshot, snapshotFiles, syncFile, writeDurably, writeRecords } from './snapshot';
import { TopK } from './top-k';
import { decodeVector, encodeVector, WriteAheadLog, type WalEntry } from './wal';

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
  /** Filtered queries expected to match at most this many records are answered exactly (default 20,000). */
  exactLimit: number;
  /** …or at most this share of the collection (default 0.1). */
  exactShare: number;
  /** Checkpoint once the log passes this many bytes (default 64 MiB). */
  checkpointBytes: number;
  /** Progress of upserts, deletes and index builds. */
  onProgress?: (collection: string, progress: Progress) => void;
}

const CHUNK = 1_000;
const SAMPLE = 1_000;
const GOLDEN = 0.6180339887498949;

/**
 * A collection in the embedded backend: records in memory (`RecordTable`), a native HNSW graph,
 * a write-ahead log flushed before each write is acknowledged, and checkpoints (graph, vectors,
 * records, then an atomically renamed manifest) that let the log start over.
 */
export class EmbeddedCollection implements Collection {
  readonly name: string;
  readonly config: CollectionConfig;
  readonly #dir: string;
  readonly #runtime: EmbeddedRuntime;
  #table: RecordTable;
  #graph: HnswGraph;
  #wal!: WriteAheadLog;
  #seq = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #expiring = 0;

  private constructor(dir: string, config: CollectionConfig, runtime: EmbeddedRuntime) {
    this.name = config.name;
    this.config = config;
    this.#dir = dir;
    this.#runtime = runtime;
    this.#table = new RecordTable(config.dimension);
    this.#graph = new HnswGraph(config.metric, config.dimension, config.index);
  }

  /** Creates the directory's config file for a new collection. */
  static async create(dir: string, config: CollectionConfig, runtime: EmbeddedRuntime): Promise<EmbeddedCollection> {
    await writeDurably(join(dir, 'collection.json'), JSON.stringify(config));
    return EmbeddedCollection.open(dir, runtime);
  }

  /** Opens a collection: the last checkpoint, then the log replayed on top of it. */
  static async open(dir: string, runtime: EmbeddedRuntime): Promise<EmbeddedCollection> {
    const config = JSON.parse(await readFile(join(dir, 'collection.json'), 'utf8')) as CollectionConfig;
    const collection = new EmbeddedCollection(dir, config, runtime);
    await collection.#load();
    return collection;
  }

  async #load(): Promise<void> {
    const manifest = await readManifest(this.#dir);
    if (manifest) {
      const files = snapshotFiles(this.#dir, manifest.seq);
      const { dimension, metric, index } = this.config;
      this.#graph = HnswGraph.load(files.index, metric, dimension, index);
      const entries = await readRecords(files.records);
      const vectors = await readFile(files.vectors);
      if (entries.length !== manifest.count || vectors.byteLength !== manifest.labelBound * dimension * 4) {
        throw new CorruptCollectionError(`checkpoint ${manifest.seq} of "${this.name}" does not match its manifest`);
      }
      this.#table.restore(entries, manifest.labelBound, vectors);
      this.#seq = manifest.seq;
      for (const [, entry] of entries) if (Number.isFinite(entry.expiresAt)) this.#expiring++;
    }
    await this.#removeStrayFiles();
    const logged = await WriteAheadLog.read(snapshotFiles(this.#dir, this.#seq).wal);
    const total = logged.length;
    logged.forEach((entry, i) => {
      this.#apply(entry);
      if ((i + 1) % CHUNK === 0 || i + 1 === total) this.#progress({ operation: 'build', done: i + 1, total });
    });
    this.#wal = await WriteAheadLog.open(snapshotFiles(this.#dir, this.#seq).wal, this.#runtime.sync);
  }

  /** Files of an unfinished checkpoint (a crash between writing them and the manifest). */
  async #removeStrayFiles(): Promise<void> {
    const keep = new Set(['collection.json', 'manifest.json', ...Object.values(snapshotFiles('', this.#seq))]);
    const names = await readdir(this.#dir);
    await Promise.all(
      names
        .filter((n) => !keep.has(n) && /^(index|vectors|records|wal)-\d+\.|manifest\.json\.tmp$/.test(n))
        .map((n) => rm(join(this.#dir, n), { force: true })),
    );
  }

  async upsert(records: VectorRecord[], options: WriteOptions = {}): Promise<number> {
    const prepared = prepareRecords(records, this.config.dimension);
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(async () => {
      const expiresAt = this.config.ttlMs === undefined ? null : Date.now() + this.config.ttlMs;
      for (let start = 0; start < prepared.length; start += CHUNK) {
        const chunk = prepared.slice(start, start + CHUNK);
        const entry: WalEntry = { op: 'upsert', ns, records: chunk.map((r) => [r.id, encodeVector(r.vector), r.metadata ?? null, expiresAt]) };
        await this.#wal.append([entry]);
        for (const r of chunk) this.#put(ns, r.id, r.vector, r.metadata, expiresAt ?? Infinity);
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
    const out: StoredRecord[] = [];
    for (const id of ids) {
      const label = this.#table.labelOf(ns, id);
      if (label === undefined) continue;
      const entry = this.#table.entry(label)!;
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
      for (const [, entry] of this.#table.entries()) if (entry.namespace === ns && predicate(entry.metadata)) ids.push(entry.id);
      return this.#deleteLogged(ns, ids, options.onProgress);
    });
  }

  async update(id: string, change: { metadata?: Metadata; vector?: ArrayLike<number> }, options: { namespace?: string } = {}): Promise<boolean> {
    assertId(id);
    assertMetadata(change.metadata, id);
    const vector = change.vector === undefined ? undefined : toVector(change.vector, this.config.dimension, `vector of "${id}"`);
    const ns = namespaceOf(options.namespace);
    return this.#exclusive(async () => {
      const label = this.#table.labelOf(ns, id);
      if (label === undefined || this.#table.entry(label)!.expiresAt <= Date.now()) return false;
      const entry = this.#table.entry(label)!;
      const metadata = change.metadata ? { ...entry.metadata, ...change.metadata } : entry.metadata;
      const expiresAt = Number.isFinite(entry.expiresAt) ? entry.expiresAt : null;
      await this.#wal.append([{ op: 'update', ns, id, metadata: metadata ?? null, vector: vector ? encodeVector(vector) : null, expiresAt }]);
      this.#put(ns, id, vector ?? this.#table.vector(label).slice(), metadata, entry.expiresAt, vector === undefined);
      return true;
    });
  }

  async query(options: QueryOptions): Promise<Match[]> {
    assertQuery(options);
    const predicate = compileFilter(options.filter);
    const ns = namespaceOf(options.namespace);
    const vector = this.#queryVector(options, ns);
    const { labels, scores } = this.#search(vector, options.topK, options.ef ?? this.config.index.ef, ns, predicate);
    const includeMetadata = options.includeMetadata ?? true;
    const includeVectors = options.includeVectors ?? false;
    const matches: Match[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (options.minScore !== undefined && scores[i]! < options.minScore) break;
      const label = labels[i]!;
      const entry = this.#table.entry(label)!;
      const match: Match = { id: entry.id, score: scores[i]! };
      if (includeMetadata && entry.metadata) match.metadata = { ...entry.metadata };
      if (includeVectors) match.vector = Array.from(this.#table.vector(label));
      matches.push(match);
    }
    return matches;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<StoredRecord & { vector: number[] }> {
    const predicate = compileFilter(options.filter);
    const ns = namespaceOf(options.namespace);
    const allow = this.#allow(ns, Date.now(), predicate);
    for (let label = 0; label < this.#table.labelBound; label++) {
      if (!allow(label)) continue;
      const entry = this.#table.entry(label)!;
      yield { id: entry.id, metadata: entry.metadata, vector: Array.from(this.#table.vector(label)) };
    }
  }

  async describe(): Promise<CollectionInfo> {
    const names = await readdir(this.#dir);
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(this.#dir, n))).size));
    return {
      name: this.name,
      dimension: this.config.dimension,
      metric: this.config.metric,
      index: this.config.index,
      ttlMs: this.config.ttlMs,
      count: this.#table.size,
      namespaces: this.#table.namespaceCounts(),
      bytes: sizes.reduce((a, b) => a + b, 0),
    };
  }

  /** Slots ever handed out (live records + freed slots waiting for reuse). */
  get slots(): number {
    return this.#table.labelBound;
  }

  /** RAM held for this collection's vectors and graph (approximate; metadata not counted). */
  get memoryBytes(): number {
    return this.#graph.bytes + this.#table.arenaBytes;
  }

  /** Deletes expired records; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.#expiring === 0) return 0;
    return this.#exclusive(async () => {
      const byNamespace = new Map<string, string[]>();
      for (const [, entry] of this.#table.entries()) {
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
    await this.#exclusive(() => this.#checkpoint());
  }

  /** Checkpoints if anything was logged, then closes the log. */
  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#wal.bytes > 0) await this.#checkpoint();
      await this.#wal.close();
    });
  }

  // --- internals -------------------------------------------------------------------------------

  #queryVector(options: QueryOptions, ns: string): number[] {
    if (options.vector !== undefined) return toQueryVector(options.vector, this.config.dimension);
    const label = this.#table.labelOf(ns, options.id!);
    if (label === undefined) throw new InvalidArgumentError(`query by id: no record "${options.id}" in namespace "${ns}"`);
    return Array.from(this.#table.vector(label));
  }

  /** The test a label must pass to be returned: live, in the namespace, unexpired, matching. */
  #allow(ns: string, now: number, predicate: Predicate | undefined): (label: number) => boolean {
    const table = this.#table;
    return (label) => {
      const entry = table.entry(label);
      return entry !== undefined && entry.namespace === ns && entry.expiresAt > now && (predicate === undefined || predicate(entry.metadata));
    };
  }

  /**
   * Filters are applied inside the graph search (hnswlib calls `allow` for each candidate and keeps
   * searching until it holds `ef` allowed ones), so a filtered query still returns topK results. When
   * a sample says few records match, the query is answered exactly over the matching records instead
   * (a graph walk would have to visit most of the graph to find them), and a graph search that
   * returns short falls back to the exact path too. Namespaces and TTL restrict the search the same way.
   */
  #search(vector: number[], topK: number, ef: number, ns: string, predicate: Predicate | undefined): { labels: number[]; scores: number[] } {
    const inNamespace = this.#table.countIn(ns);
    if (inNamespace === 0) return { labels: [], scores: [] };
    const restricted = predicate !== undefined || inNamespace !== this.#table.size || this.#expiring > 0;
    if (!restricted) return this.#scored(this.#graph.search(vector, topK, ef));
    const allow = this.#allow(ns, Date.now(), predicate);
    const expected = predicate ? this.#estimateMatches(allow) : inNamespace;
    // Exact when few match, or when a tenth or less does: such a filter leaves the graph walk too few
    // allowed nodes on its paths (at 10 % of 1 M, recall 0.81 through the graph).
    if (expected <= Math.max(this.#runtime.exactLimit, this.#table.size * this.#runtime.exactShare)) return this.#exact(vector, topK, allow);
    // A selective filter leaves few allowed nodes along the graph's paths: search wider.
    const selectivity = expected / this.#table.size;
    const found = this.#graph.search(vector, topK, Math.ceil(ef * Math.min(1 / selectivity, 8)), allow);
    if (found.labels.length < Math.min(topK, expected)) return this.#exact(vector, topK, allow);
    return this.#scored(found);
  }

  #scored(found: { labels: number[]; distances: number[] }): { labels: number[]; scores: number[] } {
    const { metric } = this.config;
    const scores = found.distances;
    for (let i = 0; i < scores.length; i++) scores[i] = scoreFromDistance(metric, scores[i]!);
    return { labels: found.labels, scores };
  }

  /**
   * Matching records expected, from a sample of labels. The sample follows a golden-ratio (Weyl)
   * sequence rather than a fixed stride, which would line up with periodic ids or insertion order.
   */
  #estimateMatches(allow: (label: number) => boolean): number {
    const bound = this.#table.labelBound;
    const draws = Math.min(SAMPLE, bound);
    let seen = 0;
    let hits = 0;
    for (let j = 0; j < draws; j++) {
      const label = draws === bound ? j : Math.floor(((j * GOLDEN) % 1) * bound);
      if (this.#table.entry(label) === undefined) continue;
      seen++;
      if (allow(label)) hits++;
    }
    return seen === 0 ? 0 : Math.ceil((hits / seen) * this.#table.size);
  }

  #exact(vector: number[], topK: number, allow: (label: number) => boolean): { labels: number[]; scores: number[] } {
    const best = new TopK(topK);
    const { metric } = this.config;
    for (let label = 0; label < this.#table.labelBound; label++) {
      if (allow(label)) best.offer(label, exactScore(metric, vector, this.#table.vector(label)));
    }
    return best;
  }

  #record(label: number, entry: RecordEntry, includeMetadata: boolean, includeVector: boolean): StoredRecord {
    const record: StoredRecord = { id: entry.id };
    if (includeMetadata && entry.metadata) record.metadata = { ...entry.metadata };
    if (includeVector) record.vector = Array.from(this.#table.vector(label));
    return record;
  }

  #put(ns: string, id: string, vector: Float32Array, metadata: Metadata | undefined, expiresAt: number, sameVector = false): void {
    const previous = this.#table.labelOf(ns, id);
    if (previous !== undefined && Number.isFinite(this.#table.entry(previous)!.expiresAt)) this.#expiring--;
    const label = this.#table.put({ id, namespace: ns, metadata, expiresAt }, vector);
    if (Number.isFinite(expiresAt)) this.#expiring++;
    if (!sameVector) this.#graph.add(label, vector);
  }

  #remove(ns: string, id: string): boolean {
    const label = this.#table.labelOf(ns, id);
    if (label === undefined) return false;
    if (Number.isFinite(this.#table.entry(label)!.expiresAt)) this.#expiring--;
    this.#table.remove(ns, id);
    this.#graph.remove(label);
    return true;
  }

  async #deleteLogged(ns: string, ids: string[], onProgress?: (p: Progress) => void): Promise<number> {
    const present = ids.filter((id) => this.#table.labelOf(ns, id) !== undefined);
    let removed = 0;
    for (let start = 0; start < present.length; start += CHUNK) {
      const chunk = present.slice(start, start + CHUNK);
      await this.#wal.append([{ op: 'delete', ns, ids: chunk }]);
      for (const id of chunk) if (this.#remove(ns, id)) removed++;
      const progress: Progress = { operation: 'delete', done: Math.min(start + CHUNK, present.length), total: present.length };
      onProgress?.(progress);
      if (present.length > CHUNK) this.#progress(progress);
    }
    await this.#maybeCheckpoint();
    return removed;
  }

  #apply(entry: WalEntry): void {
    switch (entry.op) {
      case 'upsert':
        for (const [id, vector, metadata, expiresAt] of entry.records) this.#put(entry.ns, id, decodeVector(vector), metadata ?? undefined, expiresAt ?? Infinity);
        return;
      case 'delete':
        for (const id of entry.ids) this.#remove(entry.ns, id);
        return;
      case 'update': {
        const label = this.#table.labelOf(entry.ns, entry.id);
        if (label === undefined) return;
        const vector = entry.vector ? decodeVector(entry.vector) : this.#table.vector(label).slice();
        this.#put(entry.ns, entry.id, vector, entry.metadata ?? undefined, entry.expiresAt ?? Infinity, entry.vector === null);
        return;
      }
    }
  }

  async #maybeCheckpoint(): Promise<void> {
    if (this.#wal.bytes >= this.#runtime.checkpointBytes) await this.#checkpoint();
  }

  async #checkpoint(): Promise<void> {
    const next = this.#seq + 1;
    const files = snapshotFiles(this.#dir, next);
    this.#graph.save(files.index);
    await syncFile(files.index); // hnswlib writes without fsync
    await writeDurably(files.vectors, this.#table.vectorBytes());
    await writeRecords(files.records, this.#table.entries());
    const wal = await WriteAheadLog.open(files.wal, this.#runtime.sync);
    await publishManifest(this.#dir, { seq: next, labelBound: this.#table.labelBound, count: this.#table.size });
    await this.#wal.close();
    this.#wal = wal;
    const previous = this.#seq;
    this.#seq = next;
    await removeSnapshot(this.#dir, previous);
  }

  #progress(progress: Progress): void {
    this.#runtime.onProgress?.(this.name, progress);
  }

  /** Runs writes one at a time, in call order, so the log order is the apply order. */
  #exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#writes.then(fn, fn);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}
