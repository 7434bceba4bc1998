import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toStream } from '../body';
import { assertGetOptions, existsFromStat } from '../provider-checks';
import { hashing, pulled, verified, withProgress } from '../stream-stages';
import { IntegrityError, InvalidKeyError, InvalidOptionsError, ObjectNotFoundError, UnsupportedFeatureError } from '../errors';
import { assertKey, assertPrefix } from '../key';
import type { Body, Capabilities, GetOptions, ListOptions, ListPage, ObjectInfo, PutOptions, SignedUrlOptions, StorageProvider } from '../provider';
import { listFromKeys } from '../list-keys';
import { decryptFile, encryptStream } from './aes-gcm';
import { copyHashed } from './copy-hashed';
import { syncDir, syncFile } from './durable';
import { Trash } from './trash';

/** Options of the local-disk provider. */
export interface LocalProviderOptions {
  /** Folder that holds the objects; nothing outside it is ever read or written. */
  root: string;
  /** 32-byte key for client-side AES-256-GCM (required for `confidential` objects). */
  encryptionKey?: Buffer;
  /**
   * Write files put by path with O_DIRECT (default true): faster here than the page cache and already
   * on the device when the put flushes. Set false for a file system that mishandles direct I/O.
   */
  directIo?: boolean;
}

/** Internal folders under the root, never listed and never valid as a key's first segment. */
const META = '.core-meta';
const TMP = '.core-tmp';

interface Meta {
  size: number;
  contentType: string | undefined;
  metadata: Record<string, string>;
  classification: ObjectInfo['classification'];
  sha256: string;
  encrypted: boolean;
}

/**
 * Local disk, the embedded default: objects are files under `root`, their metadata in a sidecar
 * tree, writes land through a temp file and a rename (an interrupted upload leaves no visible object),
 * and every path is checked against the real root so neither `..` nor a symlink can escape it.
 */
export class LocalProvider implements StorageProvider {
  readonly name = 'local';
  readonly #root: string;
  readonly #key: Buffer | undefined;
  readonly #directIo: boolean;
  #realRoot: Promise<string> | undefined;
  #trash: Promise<Trash> | undefined;

  constructor(options: LocalProviderOptions) {
    if (options.encryptionKey && options.encryptionKey.length !== 32) throw new InvalidOptionsError('encryptionKey must be 32 bytes (AES-256)');
    this.#root = options.root;
    this.#key = options.encryptionKey;
    this.#directIo = options.directIo ?? true;
  }

  capabilities(): Capabilities {
    return {
      provider: 'local',
      multipart: false,
      rangeReads: true,
      signedUrls: false,
      storageClasses: [],
      serverSideEncryption: [],
      clientSideEncryption: this.#key !== undefined,
      checksum: 'sha256',
    };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    this.#assertObjectKey(key);
    if (options.storageClass !== undefined) throw new UnsupportedFeatureError('local', 'storage classes');
    if (options.encryption && options.encryption.type !== 'client') throw new UnsupportedFeatureError('local', `${options.encryption.type} encryption`);
    const encrypt = options.encryption?.type === 'client' || options.classification === 'confidential';
    if (encrypt && !this.#key) throw new InvalidOptionsError('client-side encryption (and every confidential object) needs an encryptionKey');
    const target = await this.#path(key, true);
    const tmpDir = join(await this.#real(), TMP);
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    if (!encrypt && typeof body === 'object' && 'path' in body && !(body instanceof Uint8Array)) {
      return this.#putFile(key, body.path, target, tmp, options);
    }
    const { stream, size } = await toStream(body);
    const hash = hashing();
    return this.#commit(key, tmp, target, async () => {
      const stages: NodeJS.ReadWriteStream[] = [hash.stage];
      if (encrypt) stages.push(encryptStream(this.#key!));
      await pipeline(withProgress(stream, key, size, options.onProgress), ...(stages as [NodeJS.ReadWriteStream]), createWriteStream(tmp, { highWaterMark: 1024 * 1024 }));
      return metaFor(options, hash.bytes(), hash.digest(), encrypt);
    });
  }

  /**
   * Writes the temp file (via `write`) and flushes it to the device, then the metadata, then renames
   * into place and flushes the folder: a put that returned survives a crash, and one that did not
   * leaves no visible object. Cleans up on failure.
   */
  async #commit(key: string, tmp: string, target: string, write: () => Promise<Meta>): Promise<ObjectInfo> {
    try {
      const meta = await write();
      await syncFile(tmp);
      await this.#writeMeta(key, meta);
      await this.#replace(tmp, target);
      return this.#info(key, meta, new Date());
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * A plain file is copied and hashed in one read (`copyHashed`); streaming it through the hash stage
   * into the temp file ran at about a third of `fs.copyFile`'s speed.
   */
  async #putFile(key: string, source: string, target: string, tmp: string, options: PutOptions): Promise<ObjectInfo> {
    return this.#commit(key, tmp, target, async () => {
      const total = (await stat(source)).size;
      const onChunk = options.onProgress && ((bytes: number) => options.onProgress!({ key, bytes, total }));
      const hashed = await copyHashed(source, tmp, { direct: this.#directIo, onChunk });
      if ((await stat(tmp)).size !== hashed.size) throw new IntegrityError(`"${source}" changed while it was being stored`);
      return metaFor(options, hashed.size, hashed.sha256, false);
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const meta = await this.#readMeta(key);
    const path = await this.#path(key, false);
    assertGetOptions(options);
    const range = options.range;
    const end = range?.end === undefined ? meta.size - 1 : Math.min(range.end, meta.size - 1);
    // Every stage is pulled: the file is opened on the first read, so a failure (a file gone since the
    // metadata was read, a wrong checksum) reaches the consumer instead of an 'error' nobody listens to.
    let out = meta.encrypted
      ? await decryptFile(path, this.#requireKey(), (await stat(path)).size)
      : pulled(() => createReadStream(path, { highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end } : {}) }));
    if (meta.encrypted && range) out = sliced(out, range.start, end);
    if (options.verify) out = verified(out, meta.sha256, key);
    return withProgress(out, key, range ? end - range.start + 1 : meta.size, options.onProgress);
  }

  async stat(key: string): Promise<ObjectInfo> {
    const meta = await this.#readMeta(key);
    const path = await this.#path(key, false);
    return this.#info(key, meta, (await stat(path)).mtime);
  }

  async exists(key: string): Promise<boolean> {
    return existsFromStat(this.stat(key));
  }

  async delete(keys: string | string[]): Promise<number> {
    const list = Array.isArray(keys) ? keys : [keys];
    for (const key of list) this.#assertObjectKey(key);
    let removed = 0;
    for (const key of list) {
      if (!(await this.exists(key))) continue;
      const path = await this.#path(key, false);
      if (!(await (await this.#openTrash()).discard(path))) await rm(path, { force: true });
      await rm(await this.#metaPath(key), { force: true });
      removed++;
    }
    return removed;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    assertPrefix(prefix);
    const root = await this.#real();
    const keys: string[] = [];
    // Only the folder the prefix names is walked, not the whole store.
    const start = await this.#listStart(root, prefix.slice(0, prefix.lastIndexOf('/') + 1));
    if (start) await walk(root, start, keys);
    const page = listFromKeys(keys.sort(), options);
    const objects = await Promise.all(
      page.keys.map(async (key) => {
        const s = await stat(join(root, key));
        return { key, size: (await this.#readMeta(key)).size, lastModified: s.mtime, storageClass: undefined };
      }),
    );
    return { objects, prefixes: page.prefixes, cursor: page.cursor };
  }

  async copy(from: string, to: string): Promise<void> {
    const meta = await this.#readMeta(from);
    const source = await this.#path(from, false);
    const target = await this.#path(to, true);
    const tmp = join(await this.#real(), TMP, randomUUID());
    await mkdir(dirname(tmp), { recursive: true });
    await this.#commit(to, tmp, target, async () => {
      await copyFile(source, tmp);
      return meta;
    });
  }

  async move(from: string, to: string): Promise<void> {
    const meta = await this.#readMeta(from);
    const source = await this.#path(from, false);
    const target = await this.#path(to, true);
    await this.#writeMeta(to, meta);
    await this.#replace(source, target);
    await rm(await this.#metaPath(from), { force: true });
  }

  async signedUrl(_key: string, _options: SignedUrlOptions): Promise<string> {
    throw new UnsupportedFeatureError('local', 'signed URLs');
  }

  #assertObjectKey(key: string): void {
    assertKey(key);
    const first = key.split('/')[0]!;
    if (first === META || first === TMP) throw new InvalidKeyError(`keys starting with "${first}/" are reserved by the local provider`);
  }

  #requireKey(): Buffer {
    if (!this.#key) throw new InvalidOptionsError('this object is encrypted; configure the provider with its encryptionKey');
    return this.#key;
  }

  /**
   * Resolves once the space of replaced and deleted objects has been freed: that happens in the
   * background, after the put or delete has returned (see `Trash`).
   */
  async idle(): Promise<void> {
    if (this.#trash) await (await this.#trash).idle();
  }

  #real(): Promise<string> {
    this.#realRoot ??= mkdir(this.#root, { recursive: true }).then(() => realpath(this.#root));
    return this.#realRoot;
  }

  /** Renames `from` over `to` durably, leaving the file it replaces to the trash. */
  async #replace(from: string, to: string): Promise<void> {
    const trash = await this.#openTrash();
    const replaced = await trash.hold(to);
    try {
      await rename(from, to);
    } finally {
      trash.release(replaced);
    }
    await syncDir(dirname(to));
  }

  #openTrash(): Promise<Trash> {
    this.#trash ??= this.#real().then(async (root) => {
      const trash = new Trash(join(root, TMP, 'trash'));
      await trash.open();
      return trash;
    });
    return this.#trash;
  }

  /** The folder under `root` named by `folder` (`a/b/` or empty), if it exists and lies inside the root. */
  async #listStart(root: string, folder: string): Promise<string | undefined> {
    if (folder === '') return root;
    const first = folder.split('/')[0];
    if (first === META || first === TMP) return undefined; // internal folders hold no objects
    const path = join(root, folder.slice(0, -1));
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
    // A symlinked folder is never walked (walk skips links), so it is not a place to start from either.
    return real === path ? real : undefined;
  }

  /** The file for a key, proven to lie inside the real root (symlinks resolved). */
  async #path(key: string, forWrite: boolean): Promise<string> {
    this.#assertObjectKey(key);
    const root = await this.#real();
    const path = join(root, key);
    if (forWrite) await mkdir(dirname(path), { recursive: true });
    const probe = forWrite ? dirname(path) : path;
    let real: string;
    try {
      real = await realpath(probe);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
    if (real !== root && !real.startsWith(root + sep)) throw new InvalidKeyError(`key "${key}" resolves outside the storage root`);
    return path;
  }

  async #metaPath(key: string): Promise<string> {
    return join(await this.#real(), META, `${key}.json`);
  }

  async #readMeta(key: string): Promise<Meta> {
    this.#assertObjectKey(key);
    try {
      return JSON.parse(await readFile(await this.#metaPath(key), 'utf8')) as Meta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async #writeMeta(key: string, meta: Meta): Promise<void> {
    const path = await this.#metaPath(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(meta));
    await syncFile(tmp);
    await rename(tmp, path);
    await syncDir(dirname(path));
  }

  #info(key: string, meta: Meta, lastModified: Date): ObjectInfo {
    return {
      key,
      size: meta.size,
      lastModified,
      contentType: meta.contentType,
      metadata: meta.metadata,
      classification: meta.classification,
      storageClass: undefined,
      checksum: { algorithm: 'sha256', value: meta.sha256 },
      encrypted: meta.encrypted,
    };
  }
}

function metaFor(options: PutOptions, size: number, sha256: string, encrypted: boolean): Meta {
  return { size, contentType: options.contentType, metadata: { ...options.metadata }, classification: options.classification, sha256, encrypted };
}

async function walk(root: string, dir: string, keys: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (dir === root && (entry.name === META || entry.name === TMP)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, path, keys);
    else if (entry.isFile()) keys.push(relative(root, path).split(sep).join('/'));
  }
}

/** Bytes [start, end] of a stream (for ranges over decrypted data). */
function sliced(source: Readable, start: number, end: number): Readable {
  let offset = 0;
  return pulled(source, (chunk) => {
    const from = Math.max(0, start - offset);
    const to = Math.min(chunk.length, end - offset + 1);
    offset += chunk.length;
    return from < to ? chunk.subarray(from, to) : undefined;
  });
}
