import type { Repository } from '../../repository/repository';
import { decodeTree } from '../../archiver/tree';
import { readFile } from '../../restorer/restorer';
import { nameOfFile, parseNdjson } from '../ndjson';
import { openSnapshotFile } from '../restore-input';
import { COLLECTION_FILE } from './vector-source';

/** One record as exported. */
export interface ExportedRecord {
  id: string;
  vector: number[];
  metadata?: Record<string, unknown>;
}

/** The least of a vector store `restoreVectorCollection` needs: create a collection, upsert into it (`R` is the store's record type). */
export interface ImportableStore<R> {
  createCollection(spec: { name: string; dimension: number; metric?: never; ttlMs?: number }): Promise<{ upsert(records: R[], options?: { namespace?: string }): Promise<number> }>;
}

/** Restores a `vector` snapshot into a new collection `name` by upserting its records, namespace by namespace. */
export async function restoreVectorCollection<R>(repository: Repository, snapshotId: string, store: ImportableStore<R>, name: string, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<{ records: number }> {
  const { snapshot, stream } = await openSnapshotFile(repository, snapshotId, 'vector', COLLECTION_FILE, options.signal);
  const chunks: Buffer[] = [];
  for await (const piece of stream) chunks.push(piece as Buffer);
  const info = JSON.parse(Buffer.concat(chunks).toString()) as { dimension: number; metric: string; ttlMs?: number };
  const collection = await store.createCollection({ name, dimension: info.dimension, metric: info.metric as never, ...(info.ttlMs ? { ttlMs: info.ttlMs } : {}) });
  const batchSize = options.batchSize ?? 500;
  let records = 0;
  for (const node of decodeTree(await repository.readBlob(snapshot.tree)).nodes) {
    if (!node.name.endsWith('.ndjson')) continue;
    const namespace = nameOfFile(node.name.slice(0, -'.ndjson'.length));
    let batch: R[] = [];
    for await (const record of parseNdjson<ExportedRecord>(readFile(repository, node, options.signal))) {
      batch.push(record as unknown as R); // the store's own export format, read back
      if (batch.length >= batchSize) {
        records += await collection.upsert(batch, { namespace });
        batch = [];
      }
    }
    if (batch.length > 0) records += await collection.upsert(batch, { namespace });
  }
  return { records };
}
