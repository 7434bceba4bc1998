import { randomBytes } from 'node:crypto';
import type { StorageProvider } from '@core/cloud-storage';
import { DEFAULT_CHUNKER, chunkerMasks } from '../chunker/fastcdc';
import type { ChunkerParams } from '../chunker/fastcdc';
import { gearTable } from '../chunker/gear-table';
import { Codec } from '../compress/codec';
import type { CompressionOptions } from '../compress/codec';
import { DEFAULT_SCRYPT, unwrapMasterKey, wrapMasterKey } from '../crypto/key-file';
import type { KeyFile, ScryptParams } from '../crypto/key-file';
import { blobId, deriveKeys, newMasterKey, plainKeys } from '../crypto/master-key';
import type { RepositoryKeys } from '../crypto/master-key';
import { IntegrityError, InvalidOptionsError, NotFoundError, RepositoryExistsError, RepositoryNotFoundError, WrongPassphraseError } from '../errors';
import type { BlobType } from './blob';
import { decodeBlob, encodeBlob } from './blob-codec';
import { FORMAT_VERSION, parseConfig, signConfig, verifyConfig } from './config';
import type { RepositoryConfig } from './config';
import { FileCodec } from './file-codec';
import { CONFIG_NAME, fileKey } from './layout';
import { acquireLock, removeLocks } from './locks';
import type { HeldLock } from './locks';
import { MasterIndex } from './master-index';
import type { IndexFile } from './master-index';
import { PackWriter } from './pack-writer';
import type { FinishedPack } from './pack-writer';
import type { Snapshot, SnapshotRecord } from './snapshot';
import { RepositoryStore } from './store';

/** Where a repository lives and how to open it. */
export interface OpenOptions {
  /** Key prefix inside the storage (a folder of a bucket); default the root. */
  prefix?: string;
  /** Passphrase of one of the repository's keys; not needed for an unencrypted repository. */
  passphrase?: string;
}

/** Options of `Repository.init`. */
export interface InitOptions extends OpenOptions {
  /** Must be set to create a repository without encryption (no passphrase). */
  unencrypted?: boolean;
  chunker?: ChunkerParams;
  /** Target pack size (default 16 MiB). */
  packSize?: number;
  compression?: CompressionOptions;
  /** Key file cost (default N = 2^16, r = 8, p = 1); lower only in tests. */
  scrypt?: ScryptParams;
}

/** One key of a repository, as `key list` shows it. */
export interface KeyInfo {
  id: string;
  created: string;
  host: string;
  username: string;
  current: boolean;
}

/** Blob-writing totals since the repository was opened. */
export interface WriteStats {
  newBlobs: number;
  newBytes: number;
  newBytesStored: number;
  packsWritten: number;
}

const INDEX_ENTRIES_PER_FILE = 30_000;
const MAX_UPLOADS = 2;
/** Packs `readBlob({ wholePacks })` keeps in memory (4 × 16 MiB by default). */
const PACK_CACHE = 4;

/**
 * A repository on a `StorageProvider` (restic's design): `config`, `keys/`, `data/` packs, `index/`,
 * `snapshots/`, `locks/`. Writes go packs → index → snapshot, so a crash at any point leaves only
 * unreferenced packs that `prune` removes.
 */
export class Repository {
  /** The blobs the repository holds. */
  index = new MasterIndex();
  private writers: Record<BlobType, PackWriter>;
  private readonly uploads = new Set<Promise<void>>();
  private uploadError: unknown;
  private unindexed: Array<{ id: string; size: number; entries: FinishedPack['entries'] }> = [];
  private readonly pendingIds = new Set<string>();
  private readonly written: WriteStats = { newBlobs: 0, newBytes: 0, newBytesStored: 0, packsWritten: 0 };
  /** The gear table of the content-defined chunker (secret in encrypted repositories). */
  readonly gear: Uint32Array;
  /** Compressed-and-sealed JSON codec for index, snapshot and header files. */
  readonly files: FileCodec;

  private constructor(
    readonly store: RepositoryStore,
    readonly config: RepositoryConfig,
    readonly keys: RepositoryKeys,
    readonly codec: Codec,
    private keyId: string | undefined,
    private readonly master: Buffer | undefined,
  ) {
    this.gear = gearTable(keys.gearSeed);
    this.files = new FileCodec(keys.encryption, codec);
    this.writers = { data: new PackWriter(config.packSize, this.files), tree: new PackWriter(config.packSize, this.files) };
  }

  /** Creates a repository; refuses a location that already holds one, and a missing passphrase unless `unencrypted`. */
  static async init(provider: StorageProvider, options: InitOptions): Promise<Repository> {
    const store = new RepositoryStore(provider, options.prefix ?? '');
    if (!options.passphrase && !options.unencrypted) throw new InvalidOptionsError('passphrase is required (or unencrypted: true to create a repository without encryption)');
    if (options.passphrase && options.unencrypted) throw new InvalidOptionsError('passphrase and unencrypted: true exclude each other');
    const chunker = options.chunker ?? DEFAULT_CHUNKER;
    chunkerMasks(chunker);
    const packSize = options.packSize ?? 16 * 1024 * 1024;
    if (!Number.isInteger(packSize) || packSize < 1024) throw new InvalidOptionsError(`packSize must be an integer ≥ 1024 bytes (got ${String(packSize)})`);
    const compression = options.compression ?? (await Codec.defaultOptions());
    const codec = await Codec.create(compression);
    if (await store.get(CONFIG_NAME)) throw new RepositoryExistsError(store.describe());
    const id = randomBytes(32).toString('hex');
    let config: RepositoryConfig = { format: 'core-backup', version: FORMAT_VERSION, id, created: new Date().toISOString(), encrypted: !options.unencrypted, chunker, packSize, compression };
    let keys: RepositoryKeys;
    let keyId: string | undefined;
    let master: Buffer | undefined;
    if (options.passphrase) {
      master = newMasterKey();
      keys = deriveKeys(master, id);
      config = signConfig(config, keys.mac!);
      const file = await wrapMasterKey(master, options.passphrase, options.scrypt ?? DEFAULT_SCRYPT);
      keyId = randomBytes(32).toString('hex');
      await store.putFile('keys', keyId, Buffer.from(JSON.stringify(file)));
    } else {
      const seed = randomBytes(32);
      config = { ...config, gearSeed: seed.toString('base64') };
      keys = plainKeys(seed);
    }
    // The config goes last: a location with keys but no config is not a repository yet, and init can run again.
    await store.put(CONFIG_NAME, Buffer.from(JSON.stringify(config, null, 2)));
    return new Repository(store, config, keys, codec, keyId, master);
  }

  /** Opens a repository, trying each key file with the passphrase, and loads its index. */
  static async open(provider: StorageProvider, options: OpenOptions = {}): Promise<Repository> {
    const store = new RepositoryStore(provider, options.prefix ?? '');
    const bytes = await store.get(CONFIG_NAME);
    if (!bytes) throw new RepositoryNotFoundError(store.describe());
    const config = parseConfig(bytes);
    const codec = await Codec.create(config.compression);
    let repository: Repository;
    if (!config.encrypted) {
      repository = new Repository(store, config, plainKeys(Buffer.from(config.gearSeed ?? '', 'base64')), codec, undefined, undefined);
    } else {
      if (!options.passphrase) throw new WrongPassphraseError();
      const found = await Repository.unlockKeys(store, options.passphrase);
      if (!found) throw new WrongPassphraseError();
      const keys = deriveKeys(found.master, config.id);
      verifyConfig(config, keys.mac!);
      repository = new Repository(store, config, keys, codec, found.keyId, found.master);
    }
    await repository.loadIndex();
    return repository;
  }

  private static async unlockKeys(store: RepositoryStore, passphrase: string): Promise<{ master: Buffer; keyId: string } | undefined> {
    for (const { id } of await store.list('keys')) {
      const bytes = await store.getFile('keys', id);
      if (!bytes) continue;
      let file: KeyFile;
      try {
        file = JSON.parse(bytes.toString('utf8')) as KeyFile;
      } catch {
        continue; // a damaged key file: another key may still open the repository
      }
      const master = await unwrapMasterKey(file, passphrase);
      if (master) return { master, keyId: id };
    }
    return undefined;
  }

  /** Where the repository lives, for messages. */
  describe(): string {
    return this.store.describe();
  }

  /** Re-reads every index file (drops superseded ones). A damaged index file is an `IntegrityError` naming it. */
  async loadIndex(): Promise<void> {
    const files: Array<{ id: string; file: IndexFile }> = [];
    for (const { id } of await this.store.list('index')) {
      const bytes = await this.store.getFile('index', id);
      if (!bytes) continue;
      files.push({ id, file: this.files.decode<IndexFile>('index', bytes, id) });
    }
    this.index = MasterIndex.from(files);
  }

  /** The blob id of `plaintext` in this repository (keyed HMAC when encrypted). */
  blobId(plaintext: Uint8Array): string {
    return blobId(this.keys, plaintext);
  }

  /** Stores a blob unless the repository already holds it; resolves to its id and whether it was new. */
  async saveBlob(type: BlobType, plaintext: Uint8Array, id = this.blobId(plaintext)): Promise<{ id: string; isNew: boolean; storedBytes: number }> {
    if (this.index.has(id) || this.pendingIds.has(id)) return { id, isNew: false, storedBytes: 0 };
    this.pendingIds.add(id);
    const encoded = encodeBlob(this.keys, this.codec, type, plaintext, id);
    this.written.newBlobs++;
    this.written.newBytes += plaintext.length;
    this.written.newBytesStored += encoded.bytes.length;
    const pack = this.writers[type].add(encoded);
    if (pack) await this.upload(pack);
    return { id, isNew: true, storedBytes: encoded.bytes.length };
  }

  private async upload(pack: FinishedPack): Promise<void> {
    if (this.uploadError) throw this.uploadError;
    while (this.uploads.size >= MAX_UPLOADS) await Promise.race(this.uploads);
    if (this.uploadError) throw this.uploadError;
    const task = this.store
      .putFile('data', pack.id, pack.bytes)
      .then(() => {
        this.unindexed.push({ id: pack.id, size: pack.bytes.length, entries: pack.entries });
        this.written.packsWritten++;
      })
      .catch((error: unknown) => {
        this.uploadError ??= error;
      })
      .finally(() => this.uploads.delete(task));
    this.uploads.add(task);
  }

  /** Writes pending packs, then one index file for them: after this, every saved blob is durable and findable. */
  async flush(): Promise<void> {
    for (const writer of Object.values(this.writers)) {
      const pack = writer.finish();
      if (pack) await this.upload(pack);
    }
    await Promise.all(this.uploads);
    if (this.uploadError) {
      const error = this.uploadError;
      this.uploadError = undefined;
      throw error;
    }
    const packs = this.unindexed;
    this.unindexed = [];
    for (let start = 0; start < packs.length; ) {
      const file: IndexFile = { packs: [], supersedes: [] };
      let entries = 0;
      while (start < packs.length && (entries === 0 || entries + packs[start]!.entries.length <= INDEX_ENTRIES_PER_FILE)) {
        const pack = packs[start++]!;
        file.packs.push({ id: pack.id, size: pack.size, blobs: pack.entries });
        entries += pack.entries.length;
      }
      await this.writeIndexFile(file);
    }
    this.pendingIds.clear();
  }

  /**
   * Drops what a failed run left pending: unfinished packs, the upload error, blobs not yet indexed. Packs
   * already uploaded stay unreferenced until `prune` removes them; the repository is usable again.
   */
  async discardPending(): Promise<void> {
    await Promise.allSettled([...this.uploads]);
    for (const type of Object.keys(this.writers) as BlobType[]) this.writers[type] = new PackWriter(this.config.packSize, this.files);
    this.uploadError = undefined;
    this.unindexed = [];
    this.pendingIds.clear();
  }

  /** Writes one index file and adds its packs to the in-memory index. */
  async writeIndexFile(file: IndexFile): Promise<string> {
    const { id, bytes } = this.files.encode('index', file);
    await this.store.putFile('index', id, bytes);
    for (const pack of file.packs) this.index.addPack(pack.id, pack.size, pack.blobs);
    this.index.files.add(id);
    this.index.allFiles.add(id);
    return id;
  }

  /**
   * Reads and checks one blob; a missing pack or damaged bytes are an `IntegrityError` naming blob and pack.
   * `wholePacks` reads each pack once and serves its other blobs from memory (restores and repacks touch
   * most blobs of a pack; a few packs are kept); `checkId: false` is for callers that check a file hash.
   */
  async readBlob(id: string, options: { signal?: AbortSignal; wholePacks?: boolean; checkId?: boolean } = {}): Promise<Buffer> {
    const location = this.index.lookup(id);
    if (!location) throw new IntegrityError(`blob ${id.slice(0, 12)} is not in the index: the repository is missing data (run verify)`, { blob: id });
    const where = { blob: id, pack: location.pack };
    let stored: Buffer | undefined;
    if (options.wholePacks) {
      const pack = await this.cachedPack(location.pack, options.signal);
      stored = pack && pack.length >= location.offset + location.length ? pack.subarray(location.offset, location.offset + location.length) : pack ? Buffer.alloc(0) : undefined;
    } else {
      stored = await this.store.getRange(fileKey('data', location.pack), location.offset, location.length, options.signal);
    }
    if (!stored) throw new IntegrityError(`pack ${location.pack.slice(0, 12)} holding blob ${id.slice(0, 12)} is missing`, where);
    if (stored.length !== location.length) throw new IntegrityError(`pack ${location.pack.slice(0, 12)} is truncated (blob ${id.slice(0, 12)})`, where);
    return decodeBlob(this.keys, this.codec, location, stored, options.checkId ?? true);
  }

  private readonly packCache = new Map<string, Promise<Buffer | undefined>>();

  /** Starts reading the next pack these blobs live in (one ahead), so `readBlob({ wholePacks })` finds it loaded. */
  prefetch(ids: string[]): void {
    const current = new Set<string>();
    for (const id of ids) {
      const pack = this.index.lookup(id)?.pack;
      if (!pack || current.has(pack)) continue;
      current.add(pack);
      if (!this.packCache.has(pack)) {
        void this.cachedPack(pack, undefined).catch(() => undefined);
        return;
      }
    }
  }

  private cachedPack(id: string, signal: AbortSignal | undefined): Promise<Buffer | undefined> {
    let pack = this.packCache.get(id);
    if (pack) {
      this.packCache.delete(id);
      this.packCache.set(id, pack); // most recently used last
      return pack;
    }
    pack = this.store.get(fileKey('data', id), signal);
    pack.catch(() => this.packCache.delete(id));
    this.packCache.set(id, pack);
    while (this.packCache.size > PACK_CACHE) this.packCache.delete(this.packCache.keys().next().value!);
    return pack;
  }

  private writeQueue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `run` after the previous write run of this instance ended: runs share the pending packs, so two
   * backups through one `Repository` object take turns (open the repository twice to run them side by side).
   */
  serialWrites<T>(run: () => Promise<T>): Promise<T> {
    const result = this.writeQueue.then(run, run);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  /** Blob-writing totals since open. */
  writeStats(): WriteStats {
    return { ...this.written };
  }

  /** Stores a snapshot manifest; resolves to its id. */
  async saveSnapshot(snapshot: Snapshot): Promise<string> {
    const { id, bytes } = this.files.encode('snapshot', snapshot);
    await this.store.putFile('snapshots', id, bytes);
    return id;
  }

  /** Every snapshot, oldest first. A damaged snapshot file is an `IntegrityError` naming it. */
  async snapshots(): Promise<SnapshotRecord[]> {
    const records: SnapshotRecord[] = [];
    for (const { id } of await this.store.list('snapshots')) {
      const bytes = await this.store.getFile('snapshots', id);
      if (bytes) records.push({ ...this.files.decode<Snapshot>('snapshot', bytes, id), id });
    }
    return records.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  }

  /** The snapshot whose id starts with `idOrPrefix` (or `latest`); ambiguous or unknown is a `NotFoundError`. */
  async snapshot(idOrPrefix: string): Promise<SnapshotRecord> {
    const all = await this.snapshots();
    if (idOrPrefix === 'latest') {
      const latest = all.at(-1);
      if (!latest) throw new NotFoundError('the repository has no snapshots');
      return latest;
    }
    const matches = all.filter((record) => record.id.startsWith(idOrPrefix));
    if (matches.length !== 1) throw new NotFoundError(matches.length === 0 ? `no snapshot ${idOrPrefix}` : `snapshot id ${idOrPrefix} is ambiguous: give more characters`);
    return matches[0]!;
  }

  /** Takes a shared lock (backup, restore, verify) or an exclusive one (prune). */
  lock(exclusive: boolean): Promise<HeldLock> {
    return acquireLock(this.store, exclusive);
  }

  /** Removes stale locks, or every lock with `all`; resolves to how many. */
  unlock(all = false): Promise<number> {
    return removeLocks(this.store, all);
  }

  /** Adds a key that opens the repository with `passphrase`; resolves to its id. */
  async addKey(passphrase: string, scrypt: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
    const master = await this.masterKey();
    const id = randomBytes(32).toString('hex');
    await this.store.putFile('keys', id, Buffer.from(JSON.stringify(await wrapMasterKey(master, passphrase, scrypt))));
    return id;
  }

  /** The repository's keys (no secret in them). */
  async listKeys(): Promise<KeyInfo[]> {
    const infos: KeyInfo[] = [];
    for (const { id } of await this.store.list('keys')) {
      const bytes = await this.store.getFile('keys', id);
      if (!bytes) continue;
      const file = JSON.parse(bytes.toString('utf8')) as KeyFile;
      infos.push({ id, created: file.created, host: file.host, username: file.username, current: id === this.keyId });
    }
    return infos;
  }

  /** Removes a key; the key this repository was opened with cannot be removed (use `changePassphrase`). */
  async removeKey(idOrPrefix: string): Promise<void> {
    const matches = (await this.listKeys()).filter((key) => key.id.startsWith(idOrPrefix));
    if (matches.length !== 1) throw new NotFoundError(matches.length === 0 ? `no key ${idOrPrefix}` : `key id ${idOrPrefix} is ambiguous`);
    if (matches[0]!.current) throw new InvalidOptionsError('refusing to remove the key this repository was opened with; open it with another key first, or use passwd');
    await this.store.remove('keys', [matches[0]!.id]);
  }

  /** Replaces the current key by one for `passphrase` (add first, then remove: never zero keys). */
  async changePassphrase(passphrase: string, scrypt: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
    const old = this.keyId;
    const id = await this.addKey(passphrase, scrypt);
    if (old) await this.store.remove('keys', [old]);
    this.keyId = id;
    return id;
  }

  private masterKey(): Promise<Buffer> {
    if (!this.config.encrypted) throw new InvalidOptionsError('this repository is not encrypted: it has no keys');
    return Promise.resolve(this.master!);
  }
}
