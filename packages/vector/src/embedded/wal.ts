import { open, readFile, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { CorruptCollectionError, ReadOnlyError, WriteFailedError } from '../errors';
import type { Metadata } from '../types';

/** One logged change. Vectors travel as base64 of their float32 bytes. */
export type WalEntry =
  | { op: 'upsert'; ns: string; records: Array<[id: string, vector: string, metadata: Metadata | null, expiresAt: number | null]> }
  | { op: 'delete'; ns: string; ids: string[] }
  | { op: 'update'; ns: string; id: string; metadata: Metadata | null; vector: string | null; expiresAt: number | null };

/**
 * The write-ahead log of a collection: one line per change, `<crc32> <json>\n`, appended and flushed to
 * disk (`fdatasync`) before the change is acknowledged, so a `kill -9` loses nothing acknowledged.
 *
 * On open, the log is read up to the last whole, checksummed record and a torn tail (the process died
 * mid-write, before acknowledging) is cut off, so the next append starts on a clean line instead of
 * being glued to the fragment (which made it unreadable after the next crash). A bad record followed
 * by good ones is corruption, not a torn write: the open fails. An append that fails is undone
 * (truncated back) and the write is not acknowledged; if even that fails the log refuses further
 * writes until the collection is reopened.
 */
export class WriteAheadLog {
  readonly path: string;
  readonly #handle: FileHandle | undefined;
  readonly #sync: boolean;
  #bytes: number;
  #broken: Error | undefined;

  private constructor(path: string, handle: FileHandle | undefined, bytes: number, sync: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#bytes = bytes;
    this.#sync = sync;
  }

  /**
   * Opens (creating) the log for appending and returns its entries; with `readOnly` the file is only
   * read (a torn tail is skipped, not cut) and `append` is refused.
   */
  static async open(path: string, sync: boolean, readOnly = false): Promise<{ log: WriteAheadLog; entries: WalEntry[] }> {
    const { entries, validBytes, totalBytes } = await WriteAheadLog.#scan(path);
    if (readOnly) return { log: new WriteAheadLog(path, undefined, validBytes, sync), entries };
    const handle = await open(path, 'a');
    if (validBytes < totalBytes) {
      await handle.truncate(validBytes);
      await handle.datasync();
    }
    return { log: new WriteAheadLog(path, handle, validBytes, sync), entries };
  }

  /** Bytes in the log (a checkpoint empties it). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends entries and waits until they are on disk; throws `WriteFailedError` (nothing applied) otherwise. */
  async append(entries: WalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.#handle) throw new ReadOnlyError(`${this.path} is open read-only`);
    if (this.#broken) throw new WriteFailedError(`the log ${this.path} could not be repaired after a failed write; reopen the collection`, { cause: this.#broken });
    const data = Buffer.from(entries.map(encodeLine).join(''));
    try {
      await this.#handle.write(data);
      if (this.#sync) await this.#handle.datasync();
    } catch (error) {
      await this.#handle.truncate(this.#bytes).catch((repair: unknown) => (this.#broken = repair as Error));
      throw new WriteFailedError(`could not append to ${this.path}: ${(error as Error).message}; the write was not applied`, { cause: error });
    }
    this.#bytes += data.length;
  }

  async close(): Promise<void> {
    await this.#handle?.close();
  }

  /** Entries of a log file up to its last whole record, and where that record ends. */
  static async #scan(path: string): Promise<{ entries: WalEntry[]; validBytes: number; totalBytes: number }> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], validBytes: 0, totalBytes: 0 };
      throw error;
    }
    const entries: WalEntry[] = [];
    let offset = 0;
    while (offset < data.length) {
      const newline = data.indexOf(0x0a, offset);
      const line = data.subarray(offset, newline === -1 ? data.length : newline);
      const entry = newline === -1 ? undefined : decodeLine(line);
      if (entry === undefined) {
        // Torn only if nothing whole follows; otherwise the log was damaged in the middle.
        const rest = newline === -1 ? [] : data.subarray(newline + 1).toString('utf8').split('\n');
        if (rest.some((l) => l.length > 0 && decodeLine(Buffer.from(l)) !== undefined)) {
          throw new CorruptCollectionError(`${path}: record at byte ${offset} fails its checksum but later records are whole; the log is damaged`);
        }
        break;
      }
      entries.push(entry);
      offset = newline + 1;
    }
    return { entries, validBytes: offset, totalBytes: data.length };
  }
}

function encodeLine(entry: WalEntry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

function decodeLine(line: Buffer): WalEntry | undefined {
  const text = line.toString('utf8');
  // Logs written before records were checksummed hold bare JSON lines: still whole records.
  if (text.startsWith('{')) return parseEntry(text);
  const json = text.slice(9);
  if (text[8] !== ' ' || !/^[0-9a-f]{8}$/.test(text.slice(0, 8)) || Number.parseInt(text.slice(0, 8), 16) !== crc32(json)) return undefined;
  return parseEntry(json);
}

function parseEntry(json: string): WalEntry | undefined {
  try {
    const entry = JSON.parse(json) as WalEntry;
    return typeof entry === 'object' && entry !== null && typeof entry.op === 'string' ? entry : undefined;
  } catch {
    return undefined;
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
