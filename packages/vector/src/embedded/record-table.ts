import type { Metadata } from '../types';

/** One live record as the table keeps it (the vector lives in the arena, by label). */
export interface RecordEntry {
  id: string;
  namespace: string;
  metadata: Metadata | undefined;
  /** ms since the epoch; Infinity when the record never expires. */
  expiresAt: number;
}

/**
 * Every live record of a collection by label (the HNSW slot): its key, metadata, expiry and vector.
 * Labels of deleted records go on a free list and are handed out again, so slots are reused rather
 * than only marked deleted. Vectors sit in one Float32Array arena: the exact search path and `get`
 * read them without crossing into the native index.
 */
export class RecordTable {
  readonly dimension: number;
  #entries: Array<RecordEntry | undefined> = [];
  #labels = new Map<string, number>();
  #free: number[] = [];
  #vectors: Float32Array;
  #namespaceCounts = new Map<string, number>();
  #live = 0;

  constructor(dimension: number, capacity = 1024) {
    this.dimension = dimension;
    this.#vectors = new Float32Array(dimension * capacity);
  }

  /** Number of live records. */
  get size(): number {
    return this.#live;
  }

  /** One past the highest label ever handed out. */
  get labelBound(): number {
    return this.#entries.length;
  }

  /** Live records per namespace. */
  namespaceCounts(): Record<string, number> {
    return Object.fromEntries(this.#namespaceCounts);
  }

  /** Live records in one namespace. */
  countIn(namespace: string): number {
    return this.#namespaceCounts.get(namespace) ?? 0;
  }

  /** The label of a record, if it is live. */
  labelOf(namespace: string, id: string): number | undefined {
    return this.#labels.get(keyOf(namespace, id));
  }

  /** The entry at a label, if live. */
  entry(label: number): RecordEntry | undefined {
    return this.#entries[label];
  }

  /** The stored vector of a label (a view: copy before keeping it). */
  vector(label: number): Float32Array {
    return this.#vectors.subarray(label * this.dimension, (label + 1) * this.dimension);
  }

  /** Stores a record (replacing one with the same namespace and id); returns its label. */
  put(entry: RecordEntry, vector: Float32Array): number {
    const key = keyOf(entry.namespace, entry.id);
    let label = this.#labels.get(key);
    if (label === undefined) {
      label = this.#free.pop() ?? this.#entries.length;
      this.#labels.set(key, label);
      this.#live++;
      this.#namespaceCounts.set(entry.namespace, this.countIn(entry.namespace) + 1);
    }
    this.#ensureCapacity(label + 1);
    this.#entries[label] = entry;
    this.#vectors.set(vector, label * this.dimension);
    return label;
  }

  /** Removes a live record; returns its label. */
  remove(namespace: string, id: string): number | undefined {
    const key = keyOf(namespace, id);
    const label = this.#labels.get(key);
    if (label === undefined) return undefined;
    this.#labels.delete(key);
    this.#entries[label] = undefined;
    this.#free.push(label);
    this.#live--;
    const left = this.countIn(namespace) - 1;
    if (left === 0) this.#namespaceCounts.delete(namespace);
    else this.#namespaceCounts.set(namespace, left);
    return label;
  }

  /** Every live label with its entry. */
  *entries(): IterableIterator<[number, RecordEntry]> {
    for (let label = 0; label < this.#entries.length; label++) {
      const entry = this.#entries[label];
      if (entry) yield [label, entry];
    }
  }

  /** The arena bytes of labels `[0, labelBound)` (for a snapshot). */
  vectorBytes(): Uint8Array {
    return new Uint8Array(this.#vectors.buffer, this.#vectors.byteOffset, this.labelBound * this.dimension * 4);
  }

  /** Rebuilds the table from a snapshot: entries by label and the vectors of labels `[0, labelBound)`. */
  restore(entries: Array<[number, RecordEntry]>, labelBound: number, vectors: Float32Array): void {
    // The snapshot's array becomes the arena (no second copy of what may be gigabytes).
    if (vectors.length >= labelBound * this.dimension && vectors.length > 0) this.#vectors = vectors;
    else this.#ensureCapacity(labelBound);
    this.#entries = new Array(labelBound).fill(undefined);
    for (const [label, entry] of entries) {
      this.#entries[label] = entry;
      this.#labels.set(keyOf(entry.namespace, entry.id), label);
      this.#namespaceCounts.set(entry.namespace, this.countIn(entry.namespace) + 1);
    }
    this.#live = entries.length;
    this.#free = [];
    for (let label = labelBound - 1; label >= 0; label--) if (!this.#entries[label]) this.#free.push(label);
  }

  /** Bytes held in JS memory for vectors (the arena's capacity). */
  get arenaBytes(): number {
    return this.#vectors.byteLength;
  }

  #ensureCapacity(labels: number): void {
    if (labels * this.dimension <= this.#vectors.length) return;
    let capacity = this.#vectors.length / this.dimension;
    while (capacity < labels) capacity *= 2;
    const grown = new Float32Array(capacity * this.dimension);
    grown.set(this.#vectors);
    this.#vectors = grown;
  }
}

function keyOf(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}
