import type { Readable } from 'node:stream';
import { listAll, ObjectNotFoundError, readAll, StorageError } from '@core/cloud-storage';
import type { StorageProvider } from '@core/cloud-storage';
import { AbortedError, StorageUnavailableError } from '../errors';
import { fileKey, idOfKey } from './layout';
import type { FileKind } from './layout';

/** Turns a storage failure into this package's errors; a missing object stays `ObjectNotFoundError` for the caller to judge. */
function translate(error: unknown, what: string): never {
  if (error instanceof ObjectNotFoundError) throw error;
  if (error instanceof StorageError && error.code === 'STORAGE_ABORTED') throw new AbortedError(`${what} was aborted`);
  if (error instanceof StorageError) throw new StorageUnavailableError(`${what} failed: ${error.message}`, { cause: error });
  throw error;
}

/** The repository's view of its storage: whole files by kind and id, under an optional prefix. */
export class RepositoryStore {
  constructor(
    readonly provider: StorageProvider,
    readonly prefix: string,
  ) {}

  /** Where the repository lives, for messages. */
  describe(): string {
    return `${this.provider.name}:${this.prefix || '/'}`;
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix.replace(/\/+$/, '')}/${name}` : name;
  }

  /** Writes a whole file. */
  async put(name: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    try {
      await this.provider.put(this.key(name), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), signal ? { signal } : {});
    } catch (error) {
      translate(error, `writing ${name}`);
    }
  }

  /** Reads a whole file, or undefined when it does not exist; `verify` checks the storage's own checksum. */
  async get(name: string, signal?: AbortSignal, verify = false): Promise<Buffer | undefined> {
    try {
      return await readAll(await this.provider.get(this.key(name), { ...(signal ? { signal } : {}), ...(verify ? { verify } : {}) }));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      return translate(error, `reading ${name}`);
    }
  }

  /** Reads `length` bytes at `offset` of a file (a blob of a pack). */
  async getRange(name: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    try {
      const stream: Readable = await this.provider.get(this.key(name), { range: { start: offset, end: offset + length - 1 }, ...(signal ? { signal } : {}) });
      return await readAll(stream);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      return translate(error, `reading ${name}`);
    }
  }

  /** Writes a file of `kind`. */
  putFile(kind: FileKind, id: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.put(fileKey(kind, id), bytes, signal);
  }

  /** Reads a file of `kind`, or undefined. */
  getFile(kind: FileKind, id: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    return this.get(fileKey(kind, id), signal);
  }

  /** Every file of `kind`: id and size. */
  async list(kind: FileKind): Promise<Array<{ id: string; size: number }>> {
    const files: Array<{ id: string; size: number }> = [];
    try {
      for await (const object of listAll(this.provider, { prefix: this.key(`${kind}/`) })) files.push({ id: idOfKey(object.key), size: object.size });
    } catch (error) {
      translate(error, `listing ${kind}`);
    }
    return files;
  }

  /** Every object whose name starts with `prefix` (names relative to the repository): for the `wal/` and `drills/` areas. */
  async listNames(prefix: string): Promise<Array<{ name: string; size: number; lastModified: Date }>> {
    const files: Array<{ name: string; size: number; lastModified: Date }> = [];
    const base = this.key('');
    try {
      for await (const object of listAll(this.provider, { prefix: this.key(prefix) })) {
        files.push({ name: object.key.slice(base.length), size: object.size, lastModified: object.lastModified });
      }
    } catch (error) {
      translate(error, `listing ${prefix}`);
    }
    return files;
  }

  /** Deletes files of `kind`; a file already gone is fine. */
  async remove(kind: FileKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      for (let i = 0; i < ids.length; i += 500) await this.provider.delete(ids.slice(i, i + 500).map((id) => this.key(fileKey(kind, id))));
    } catch (error) {
      translate(error, `deleting ${kind} files`);
    }
  }

  /** Deletes files by name (relative to the repository); one already gone is fine. */
  async removeName(...names: string[]): Promise<void> {
    try {
      for (let i = 0; i < names.length; i += 500) await this.provider.delete(names.slice(i, i + 500).map((name) => this.key(name)));
    } catch (error) {
      translate(error, `deleting ${names.length} files`);
    }
  }
}
