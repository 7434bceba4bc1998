import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptCollectionError } from '../errors';
import type { RecordEntry } from './record-table';

/** Which files hold the state as of log sequence `seq`; the log `wal-<seq>.log` holds what came after. */
export interface Manifest {
  seq: number;
  labelBound: number;
  count: number;
}

/** The files of snapshot `seq`. */
export function snapshotFiles(dir: string, seq: number): { index: string; vectors: string; records: string; wal: string } {
  return {
    index: join(dir, `index-${seq}.hnsw`),
    vectors: join(dir, `vectors-${seq}.f32`),
    records: join(dir, `records-${seq}.json`),
    wal: join(dir, `wal-${seq}.log`),
  };
}

/** Reads the manifest, or undefined for a collection never checkpointed. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CorruptCollectionError(`manifest of ${dir} is unreadable: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes a file and flushes it, so a rename that publishes it never points at missing bytes. */
export async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a file another writer produced. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Publishes a manifest atomically (write, flush, rename, flush the directory). */
export async function publishManifest(dir: string, manifest: Manifest): Promise<void> {
  const tmp = join(dir, 'manifest.json.tmp');
  await writeDurably(tmp, JSON.stringify(manifest));
  await rename(tmp, join(dir, 'manifest.json'));
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Serialises the records of a snapshot. */
export async function writeRecords(path: string, entries: Iterable<[number, RecordEntry]>): Promise<void> {
  const rows: unknown[] = [];
  for (const [label, e] of entries) rows.push([label, e.namespace, e.id, e.metadata ?? null, Number.isFinite(e.expiresAt) ? e.expiresAt : null]);
  await writeDurably(path, JSON.stringify(rows));
}

/** Reads the records of a snapshot. */
export async function readRecords(path: string): Promise<Array<[number, RecordEntry]>> {
  const rows = JSON.parse(await readFile(path, 'utf8')) as Array<[number, string, string, RecordEntry['metadata'] | null, number | null]>;
  return rows.map(([label, namespace, id, metadata, expiresAt]) => [label, { id, namespace, metadata: metadata ?? undefined, expiresAt: expiresAt ?? Infinity }]);
}

/** Removes the files of snapshot `seq` (after a newer one is published). */
export async function removeSnapshot(dir: string, seq: number): Promise<void> {
  const files = snapshotFiles(dir, seq);
  await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
}
