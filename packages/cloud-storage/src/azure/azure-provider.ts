import type { Readable } from 'node:stream';
import { BlobSASPermissions, type ContainerClient } from '@azure/storage-blob';
import { callDeadline, idleWatchdog, storageError, type CallDeadline } from '../call-deadline';
import { uploadBody } from '../body';
import { splitMetadata } from '../stored-metadata';
import { StorageUnavailableError, UnsupportedFeatureError } from '../errors';
import { assertKey, assertPrefix, folderPrefix } from '../key';
import type { Body, Capabilities, GetOptions, ListOptions, ListPage, ObjectInfo, PutOptions, SignedUrlOptions, StorageProvider } from '../provider';
import { assertGetOptions, assertSignedUrlOptions, existsFromStat } from '../provider-checks';
import { downloadStages, withProgress } from '../stream-stages';

/** Options of the Azure Blob provider. */
export interface AzureProviderOptions {
  /** The container (create it beforehand). */
  container: ContainerClient;
  /** Every key lives under this prefix in the container. */
  prefix?: string;
  /** Block size and parallel blocks of uploads (defaults 8 MiB × 4): memory ≈ their product. */
  blockSize?: number;
  concurrency?: number;
  /** Deadline of each request, and the longest a transfer may go without progress, ms (default 30,000). */
  timeoutMs?: number;
}

const TIERS = ['Hot', 'Cool', 'Cold', 'Archive'];
// Azure metadata names must be C# identifiers: underscores, not dashes.
const META_CLASSIFICATION = 'core_classification';
const META_SHA256 = 'core_sha256';
const META_NAMES = { classification: META_CLASSIFICATION, sha256: META_SHA256 };

/**
 * Azure Blob Storage on @azure/storage-blob: block uploads with bounded parallelism, ranges, tiers
 * (Hot / Cool / Cold / Archive), encryption scopes, SAS URLs, and a SHA-256 kept in blob metadata.
 * Azure encrypts every blob at rest, so `confidential` needs nothing more unless a scope is named.
 */
export class AzureProvider implements StorageProvider {
  readonly name = 'azure';
  readonly #container: ContainerClient;
  readonly #prefix: string;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;

  constructor(options: AzureProviderOptions) {
    this.#container = options.container;
    this.#prefix = folderPrefix(options.prefix);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#blockSize = options.blockSize ?? 8 * 1024 * 1024;
    this.#concurrency = options.concurrency ?? 4;
  }

  capabilities(): Capabilities {
    return {
      provider: 'azure',
      multipart: true,
      rangeReads: true,
      signedUrls: true,
      storageClasses: TIERS,
      serverSideEncryption: ['scope'],
      clientSideEncryption: false,
      checksum: 'sha256',
    };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const blob = this.#blob(key);
    const encryption = options.encryption;
    if (encryption && encryption.type !== 'scope') throw new UnsupportedFeatureError('azure', `${encryption.type} encryption`);
    if (options.storageClass !== undefined && !TIERS.includes(options.storageClass)) throw new UnsupportedFeatureError('azure', `access tier ${options.storageClass}`);
    // Bytes carry their checksum in the metadata; files and streams are hashed as they are sent (a file is
    // read once) and the checksum is added by setMetadata, which rewrites no data.
    const prepared = await uploadBody(body, { hashFileFirst: false });
    const metadata: Record<string, string> = { ...options.metadata, ...(options.classification ? { [META_CLASSIFICATION]: options.classification } : {}) };
    // An idle deadline: a large upload may take long, but never long without a block going through.
    await this.#call(`put "${key}"`, undefined, options.signal, (abortSignal, deadline) =>
      blob.uploadStream(withProgress(prepared.stream, key, prepared.size, options.onProgress), this.#blockSize, this.#concurrency, {
        abortSignal,
        onProgress: () => deadline.extend(),
        blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : {},
        metadata: { ...metadata, ...(prepared.sha256Before ? { [META_SHA256]: prepared.sha256Before } : {}) },
        ...(options.storageClass ? { tier: options.storageClass } : {}),
        ...(encryption?.type === 'scope' ? { encryptionScope: encryption.scope } : {}),
      }),
    );
    let digest: string;
    try {
      digest = await prepared.sent();
    } catch (error) {
      await this.delete(key).catch(() => undefined); // bytes that changed as they were sent: no blob under a wrong checksum
      throw error;
    }
    if (!prepared.sha256Before) {
      try {
        await this.#call('record checksum', undefined, options.signal, (abortSignal) => blob.setMetadata({ ...metadata, [META_SHA256]: digest }, { abortSignal }));
      } catch (error) {
        // The new bytes are stored; deleting them would lose the blob they replaced as well.
        throw new StorageUnavailableError(`put "${key}": the blob was stored but its checksum could not be recorded; retry the put`, { cause: error });
      }
    }
    return this.stat(key);
  }

  /** Runs one SDK call under the deadline (joined with the caller's signal), errors made this package's. */
  async #call<T>(what: string, key: string | undefined, signal: AbortSignal | undefined, fn: (abortSignal: AbortSignal, deadline: CallDeadline) => Promise<T>): Promise<T> {
    const deadline = callDeadline(this.#timeoutMs, signal);
    try {
      // The SDK does not give up at once on abort (it finishes a retry delay, or an upload's block
      // queue, first): the caller is answered at the deadline and the SDK winds down behind it.
      return await abortable(fn(deadline.signal, deadline), deadline.signal);
    } catch (error) {
      throw storageError(error, key === undefined ? what : `${what} "${key}"`, deadline, key);
    } finally {
      deadline.clear();
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const blob = this.#blob(key);
    assertGetOptions(options);
    const range = options.range;
    const offset = range?.start ?? 0;
    const count = range?.end === undefined ? undefined : range.end - range.start + 1;
    const res = await this.#call('get', key, options.signal, (abortSignal) => blob.download(offset, count, { abortSignal }));
    const body = idleWatchdog(res.readableStreamBody as Readable, this.#timeoutMs, `get "${key}"`);
    return downloadStages(body, key, { sha256: res.metadata?.[META_SHA256], size: res.contentLength }, options);
  }

  async stat(key: string): Promise<ObjectInfo> {
    const blob = this.#blob(key);
    const p = await this.#call('stat', key, undefined, (abortSignal) => blob.getProperties({ abortSignal }));
    {
      const { metadata, classification, sha256 } = splitMetadata(p.metadata, META_NAMES);
      return {
        key,
        size: p.contentLength ?? 0,
        lastModified: p.lastModified ?? new Date(0),
        contentType: p.contentType,
        metadata,
        classification,
        storageClass: p.accessTier,
        checksum: sha256 ? { algorithm: 'sha256', value: sha256 } : undefined,
        encrypted: p.isServerEncrypted ?? false,
      };
    }
  }

  async exists(key: string): Promise<boolean> {
    return existsFromStat(this.stat(key));
  }

  async delete(keys: string | string[]): Promise<number> {
    const list = Array.isArray(keys) ? keys : [keys];
    const blobs = list.map((k) => this.#blob(k));
    const results = await Promise.all(blobs.map((b, i) => this.#call('delete', list[i], undefined, (abortSignal) => b.deleteIfExists({ abortSignal }))));
    return results.filter((r) => r.succeeded).length;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    assertPrefix(options.prefix ?? '');
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) throw new RangeError(`pageSize must be 1..5000, got ${pageSize}`);
    const prefix = this.#prefix + (options.prefix ?? '');
    const { value: page } = await this.#call('list', undefined, options.signal, (abortSignal) => {
      const pages = options.delimiter
        ? this.#container.listBlobsByHierarchy(options.delimiter, { prefix, abortSignal }).byPage({ maxPageSize: pageSize, ...(options.cursor ? { continuationToken: options.cursor } : {}) })
        : this.#container.listBlobsFlat({ prefix, abortSignal }).byPage({ maxPageSize: pageSize, ...(options.cursor ? { continuationToken: options.cursor } : {}) });
      return pages.next();
    });
    const segment = page?.segment as { blobItems: Array<{ name: string; properties: { contentLength?: number; lastModified: Date; accessTier?: string } }>; blobPrefixes?: Array<{ name: string }> } | undefined;
    return {
      objects: (segment?.blobItems ?? []).map((b) => ({
        key: b.name.slice(this.#prefix.length),
        size: b.properties.contentLength ?? 0,
        lastModified: b.properties.lastModified,
        storageClass: b.properties.accessTier,
      })),
      prefixes: (segment?.blobPrefixes ?? []).map((p) => p.name.slice(this.#prefix.length)),
      cursor: page?.continuationToken ? page.continuationToken : undefined,
    };
  }

  async copy(from: string, to: string): Promise<void> {
    const source = this.#blob(from);
    const target = this.#blob(to);
    // Copy Blob takes the account's default tier unless told otherwise: the source's tier is carried.
    await this.#call('copy', from, undefined, async (abortSignal) => {
      const { accessTier } = await source.getProperties({ abortSignal });
      await (await target.beginCopyFromURL(source.url, { abortSignal, ...(accessTier ? { tier: accessTier } : {}) })).pollUntilDone();
    });
  }

  async move(from: string, to: string): Promise<void> {
    if (from === to) return void (await this.stat(from)); // a move onto itself keeps the blob
    await this.copy(from, to);
    await this.delete(from);
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    const blob = this.#blob(key);
    assertSignedUrlOptions(options);
    return blob.generateSasUrl({
      permissions: BlobSASPermissions.parse(options.method === 'GET' ? 'r' : 'cw'),
      expiresOn: new Date(Date.now() + options.expiresInSeconds * 1000),
      ...(options.contentType ? { contentType: options.contentType } : {}),
    });
  }

  #blob(key: string) {
    assertKey(key);
    return this.#container.getBlockBlobClient(this.#prefix + key);
  }
}


/** `work`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // its late failure has nobody left to tell
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
