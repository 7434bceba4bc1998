import { ObjectNotFoundError } from './errors';
import { listAll } from './list-all';
import type { ObjectInfo, StorageProvider } from './provider';

/** Options of `replicate`. */
export interface ReplicateOptions {
  /** Only keys under this prefix (default: everything). */
  prefix?: string;
  /** Objects copied at the same time (default 4). */
  concurrency?: number;
  /** After each object: how far the run is. */
  onProgress?: (progress: ReplicateProgress) => void;
}

/** Progress of a replication run. */
export interface ReplicateProgress {
  key: string;
  outcome: 'copied' | 'skipped' | 'failed';
  done: number;
  bytesCopied: number;
}

/** What a replication run did. */
export interface ReplicateReport {
  copied: string[];
  /** Already identical at the target (same size and checksum). */
  skipped: string[];
  failed: Array<{ key: string; error: string }>;
  bytesCopied: number;
}

/**
 * Copies every object under a prefix from one provider to another, streaming, skipping objects the
 * target already has (same size and SHA-256), and verifying each copy by its checksum. One failing
 * object does not stop the run; it is reported.
 */
export async function replicate(from: StorageProvider, to: StorageProvider, options: ReplicateOptions = {}): Promise<ReplicateReport> {
  const report: ReplicateReport = { copied: [], skipped: [], failed: [], bytesCopied: 0 };
  const keys: string[] = [];
  for await (const object of listAll(from, options.prefix === undefined ? {} : { prefix: options.prefix })) keys.push(object.key);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      let outcome: ReplicateProgress['outcome'];
      try {
        outcome = (await copyOne(from, to, key, report)) ? 'copied' : 'skipped';
      } catch (error) {
        outcome = 'failed';
        report.failed.push({ key, error: (error as Error).message });
      }
      if (outcome !== 'failed') report[outcome].push(key);
      options.onProgress?.({ key, outcome, done: ++done, bytesCopied: report.bytesCopied });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  report.copied.sort();
  report.skipped.sort();
  return report;
}

/** Copies one object unless the target has it already; true when bytes moved. */
async function copyOne(from: StorageProvider, to: StorageProvider, key: string, report: ReplicateReport): Promise<boolean> {
  const source = await from.stat(key);
  const existing = await to.stat(key).catch((error: unknown) => {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  });
  if (existing && sameContent(source, existing)) return false;
  // The source is verified as it streams: bytes that do not match its checksum fail the put, so the
  // target never holds them.
  const written = await to.put(key, await from.get(key, { verify: source.checksum !== undefined }), {
    ...(source.contentType ? { contentType: source.contentType } : {}),
    metadata: source.metadata,
    ...(source.classification ? { classification: source.classification } : {}),
  });
  if (source.checksum && written.checksum && source.checksum.value !== written.checksum.value) {
    throw new Error(`copy of "${key}" does not match its source checksum`);
  }
  if (written.size !== source.size) throw new Error(`copy of "${key}" has ${written.size} bytes, source ${source.size}`);
  report.bytesCopied += source.size;
  return true;
}

function sameContent(a: ObjectInfo, b: ObjectInfo): boolean {
  return a.size === b.size && a.checksum !== undefined && b.checksum !== undefined && a.checksum.algorithm === b.checksum.algorithm && a.checksum.value === b.checksum.value;
}
