import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptCollectionError } from '../errors';
import type { Progress } from '../types';
import type { CollectionConfig } from './collection-config';
import type { CollectionState } from './collection-state';
import { HnswGraph } from './hnsw-graph';
import { publishManifest, readManifest, readRecords, removeSnapshot, snapshotFiles, syncFile, writeDurably, writeRecords } from './snapshot';
import { WriteAheadLog } from './wal';

const CHUNK = 1_000;
/** Bytes read per call: one `readFile` cannot return more than 2 GiB. */
const READ_CHUNK = 64 * 1024 * 1024;

/** Where a collection's persisted state stands: the checkpoint it came from and the log after it. */
export interface Persisted {
  seq: number;
  wal: WriteAheadLog;
}

/**
 * Loads a collection into `state`: the last checkpoint (graph, records, vectors), then the log replayed
 * on top. A writer also removes the files of an unfinished checkpoint and cuts a torn log tail; a
 * read-only open changes nothing on disk.
 */
export async function loadCollection(dir: string, config: CollectionConfig, state: CollectionState, options: { sync: boolean; readOnly: boolean; onProgress: (p: Progress) => void }): Promise<Persisted> {
  const manifest = await readManifest(dir);
  let seq = 0;
  if (manifest) {
    const files = snapshotFiles(dir, manifest.seq);
    state.graph = HnswGraph.load(files.index, config.metric, config.dimension, config.index);
    const entries = await readRecords(files.records);
    const vectors = await readVectors(files.vectors, manifest.labelBound * config.dimension);
    if (entries.length !== manifest.count || vectors === undefined) {
      throw new CorruptCollectionError(`checkpoint ${manifest.seq} of "${config.name}" does not match its manifest`);
    }
    state.table.restore(entries, manifest.labelBound, vectors);
    seq = manifest.seq;
    for (const [, entry] of entries) if (Number.isFinite(entry.expiresAt)) state.expiring++;
  }
  if (!options.readOnly) await removeStrayFiles(dir, seq);
  const { log, entries } = await WriteAheadLog.open(snapshotFiles(dir, seq).wal, options.sync, options.readOnly);
  entries.forEach((entry, i) => {
    state.apply(entry);
    if ((i + 1) % CHUNK === 0 || i + 1 === entries.length) options.onProgress({ operation: 'build', done: i + 1, total: entries.length });
  });
  return { seq, wal: log };
}

/**
 * Writes checkpoint `seq + 1` (graph, vectors, records, each flushed), opens its empty log, then
 * publishes the manifest atomically; only then is the old checkpoint removed. A crash at any step
 * leaves the old manifest pointing at whole files. The graph is written off the event loop.
 */
export async function writeCheckpoint(dir: string, state: CollectionState, current: Persisted, sync: boolean): Promise<Persisted> {
  const next = current.seq + 1;
  const files = snapshotFiles(dir, next);
  await state.graph.save(files.index);
  await syncFile(files.index); // hnswlib writes without fsync
  await writeDurably(files.vectors, state.table.vectorBytes());
  await writeRecords(files.records, state.table.entries());
  const { log } = await WriteAheadLog.open(files.wal, sync);
  await publishManifest(dir, { seq: next, labelBound: state.table.labelBound, count: state.table.size });
  await current.wal.close();
  await removeSnapshot(dir, current.seq);
  return { seq: next, wal: log };
}

/** The vectors file into one Float32Array, read in chunks; undefined if its size is not `floats`. */
async function readVectors(path: string, floats: number): Promise<Float32Array | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== floats * 4) return undefined;
    const vectors = new Float32Array(floats);
    const bytes = new Uint8Array(vectors.buffer);
    for (let offset = 0; offset < size; ) {
      const { bytesRead } = await handle.read(bytes, offset, Math.min(READ_CHUNK, size - offset), offset);
      if (bytesRead === 0) return undefined;
      offset += bytesRead;
    }
    return vectors;
  } finally {
    await handle.close();
  }
}

/** Files of an unfinished checkpoint (a crash between writing them and the manifest). */
async function removeStrayFiles(dir: string, seq: number): Promise<void> {
  const keep = new Set(['collection.json', 'manifest.json', ...Object.values(snapshotFiles('', seq))]);
  const names = await readdir(dir);
  await Promise.all(
    names
      .filter((n) => !keep.has(n) && /^(index|vectors|records|wal)-\d+\.|manifest\.json\.tmp$/.test(n))
      .map((n) => rm(join(dir, n), { force: true })),
  );
}
