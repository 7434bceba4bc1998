import type { Metadata } from '../types';
import type { CollectionConfig } from './collection-config';
import { HnswGraph } from './hnsw-graph';
import { RecordTable } from './record-table';
import { decodeVector, type WalEntry } from './wal';

/**
 * What a collection holds in memory: the records (`RecordTable`) and the HNSW graph over their
 * vectors, changed only through `put`, `remove` and `apply` (a logged entry), so the graph, the table
 * and the count of expiring records never disagree.
 */
export class CollectionState {
  readonly table: RecordTable;
  graph: HnswGraph;
  /** Live records with a finite expiry (the sweep and the query planner skip work when 0). */
  expiring = 0;

  constructor(config: CollectionConfig) {
    this.table = new RecordTable(config.dimension);
    this.graph = new HnswGraph(config.metric, config.dimension, config.index);
  }

  /** Stores a record; `sameVector` skips re-linking the graph when only metadata changed. */
  put(ns: string, id: string, vector: Float32Array, metadata: Metadata | undefined, expiresAt: number, sameVector = false): void {
    const previous = this.table.labelOf(ns, id);
    if (previous !== undefined && Number.isFinite(this.table.entry(previous)!.expiresAt)) this.expiring--;
    const label = this.table.put({ id, namespace: ns, metadata, expiresAt }, vector);
    if (Number.isFinite(expiresAt)) this.expiring++;
    if (!sameVector) this.graph.add(label, vector);
  }

  /** Removes a record; false when there was none. */
  remove(ns: string, id: string): boolean {
    const label = this.table.labelOf(ns, id);
    if (label === undefined) return false;
    if (Number.isFinite(this.table.entry(label)!.expiresAt)) this.expiring--;
    this.table.remove(ns, id);
    this.graph.remove(label);
    return true;
  }

  /** Applies one logged change (replay on open). */
  apply(entry: WalEntry): void {
    switch (entry.op) {
      case 'upsert':
        for (const [id, vector, metadata, expiresAt] of entry.records) this.put(entry.ns, id, decodeVector(vector), metadata ?? undefined, expiresAt ?? Infinity);
        return;
      case 'delete':
        for (const id of entry.ids) this.remove(entry.ns, id);
        return;
      case 'update': {
        const label = this.table.labelOf(entry.ns, entry.id);
        if (label === undefined) return;
        const vector = entry.vector ? decodeVector(entry.vector) : this.table.vector(label).slice();
        this.put(entry.ns, entry.id, vector, entry.metadata ?? undefined, entry.expiresAt ?? Infinity, entry.vector === null);
        return;
      }
    }
  }
}
