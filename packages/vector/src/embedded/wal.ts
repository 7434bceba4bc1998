import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { Metadata } from '../types';

/** One logged change. Vectors travel as base64 of their float32 bytes. */
export type WalEntry =
  | { op: 'upsert'; ns: string; records: Array<[id: string, vector: string, metadata: Metadata | null, expiresAt: number | null]> }
  | { op: 'delete'; ns: string; ids: string[] }
  | { op: 'update'; ns: string; id: string; metadata: Metadata | null; vector: string | null; expiresAt: number | null };

/**
 * The write-ahead log of a collection: one JSON line per change, appended and flushed to disk
 * (`fdatasync`) before the change is acknowledged, so a `kill -9` loses nothing acknowledged. A torn
 * last line (the process died mid-write, before acknowledging) is ignored on replay.
 */
export class WriteAheadLog {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #sync: boolean;
  #bytes: number;

  private constructor(path: string, handle: FileHandle, bytes: number, sync: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#bytes = bytes;
    this.#sync = sync;
  }

  /** Opens (creating) the log for appending. */
  static async open(path: string, sync: boolean): Promise<WriteAheadLog> {
    const handle = await open(path, 'a');
    const { size } = await handle.stat();
    return new WriteAheadLog(path, handle, size, sync);
  }

  /** Bytes in the log (a checkpoint empties it). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends entries and waits until they are on disk. */
  async append(entries: WalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const data = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await this.#handle.write(data);
    this.#bytes += data.length;
    if (this.#sync) await this.#handle.datasync();
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }

  /** Entries of a log file, in order; stops at a torn or corrupt line. */
  static async read(path: string): Promise<WalEntry[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: WalEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        entries.push(JSON.parse(line) as WalEntry);
      } catch {
        break; // written partly before a crash, so never acknowledged
      }
    }
    return entries;
  }
}

/** Float32 vector → base64 of its bytes. */
export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** base64 of float32 bytes → vector. */
export function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
