import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectInfo, PutOptions } from '../provider';
import { syncDir, syncFile } from './durable';
import { META } from './local-paths';

/** What the local provider keeps about an object beside its bytes. */
export interface Meta {
  size: number;
  contentType: string | undefined;
  metadata: Record<string, string>;
  classification: ObjectInfo['classification'];
  sha256: string;
  encrypted: boolean;
  /**
   * Inode of the file these bytes were written to (a rename keeps it). The metadata is written before
   * the rename that publishes the bytes, so after a crash between the two it names a file that is not
   * there yet; `previous` then still describes the bytes that are.
   */
  ino?: number;
  /** The metadata this one replaced (one level), for a crash before the rename. */
  previous?: Meta;
}

/** The metadata of a put. */
export function metaFor(options: PutOptions, size: number, sha256: string, encrypted: boolean): Meta {
  return { size, contentType: options.contentType, metadata: { ...options.metadata }, classification: options.classification, sha256, encrypted };
}

/** Metadata files in a tree mirroring the objects' (`.core-meta/<key>.json`), each written durably. */
export class Sidecars {
  readonly #root: () => Promise<string>;

  constructor(root: () => Promise<string>) {
    this.#root = root;
  }

  async path(key: string): Promise<string> {
    return join(await this.#root(), META, `${key}.json`);
  }

  /** The metadata of `key`, or undefined when it has none (not an object). */
  async find(key: string): Promise<Meta | undefined> {
    try {
      return JSON.parse(await readFile(await this.path(key), 'utf8')) as Meta;
    } catch (error) {
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
  }

  /**
   * The metadata that describes the bytes at `file` now: the latest, unless a crash came between
   * writing it and renaming its bytes into place — then the one before (see `Meta.ino`). Undefined when
   * the key has no metadata, or its file is gone (a put or move that never published).
   */
  async current(key: string, file: string): Promise<Meta | undefined> {
    const meta = await this.find(key);
    if (!meta) return undefined;
    const info = await stat(file).catch((error: NodeJS.ErrnoException) => (['ENOENT', 'ENOTDIR'].includes(error.code ?? '') ? undefined : Promise.reject(error)));
    if (!info?.isFile()) return undefined;
    if (meta.ino === undefined || meta.ino === info.ino) return meta;
    if (meta.previous && meta.previous.ino === info.ino) return meta.previous;
    return meta.previous && meta.previous.ino === undefined ? meta.previous : meta;
  }

  /** Writes metadata through a flushed temp file and a rename. */
  async write(key: string, meta: Meta): Promise<void> {
    const path = await this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(meta));
    await syncFile(tmp);
    await rename(tmp, path);
    await syncDir(dirname(path));
  }

  /** Removes the metadata of `key` (absent is fine). */
  async remove(key: string): Promise<void> {
    await rm(await this.path(key), { force: true });
  }
}
