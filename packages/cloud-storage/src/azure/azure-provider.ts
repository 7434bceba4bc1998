import type { Readable } from 'node:stream';
import { BlobSASPermissions, type ContainerClient, RestError } from '@azure/storage-blob';
import { uploadBody } from '../body';
import { splitMetadata } from '../stored-metadata';
import { ObjectNotFoundError, UnsupportedFeatureError } from '../errors';
import { assertKey, assertPrefix } from '../key';
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

  constructor(options: AzureProviderOptions) {
    this.#container = options.container;
    this.#prefix = options.prefix ?? '';
    if (this.#prefix !== '') assertPrefix(this.#prefix);
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
    await blob.uploadStream(withProgress(prepared.stream, key, prepared.size, options.onProgress), this.#blockSize, this.#concurrency, {
      blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : {},
      metadata: { ...metadata, ...(prepared.sha256Before ? { [META_SHA256]: prepared.sha256Before } : {}) },
      ...(options.storageClass ? { tier: options.storageClass } : {}),
      ...(encryption?.type === 'scope' ? { encryptionScope: encryption.scope } : {}),
    });
    try {
      const digest = await prepared.sent();
      if (!prepared.sha256Before) await blob.setMetadata({ ...metadata, [META_SHA256]: digest });
    } catch (error) {
      await this.delete(key).catch(() => undefined); // no blob without its checksum; the first error is the one reported
      throw error;
    }
    return this.stat(key);
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const blob = this.#blob(key);
    assertGetOptions(options);
    const range = options.range;
    try {
      const offset = range?.start ?? 0;
      const count = range?.end === undefined ? undefined : range.end - range.start + 1;
      const res = await blob.download(offset, count);
      return downloadStages(res.readableStreamBody as Readable, key, { sha256: res.metadata?.[META_SHA256], size: res.contentLength }, options);
    } catch (error) {
      throw notFound(error, key);
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const blob = this.#blob(key);
    try {
      const p = await blob.getProperties();
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
    } catch (error) {
      throw notFound(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    return existsFromStat(this.stat(key));
  }

  async delete(keys: string | string[]): Promise<number> {
    const list = Array.isArray(keys) ? keys : [keys];
    const blobs = list.map((k) => this.#blob(k));
    const results = await Promise.all(blobs.map((b) => b.deleteIfExists()));
    return results.filter((r) => r.succeeded).length;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    assertPrefix(options.prefix ?? '');
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) throw new RangeError(`pageSize must be 1..5000, got ${pageSize}`);
    const prefix = this.#prefix + (options.prefix ?? '');
    const pages = options.delimiter
      ? this.#container.listBlobsByHierarchy(options.delimiter, { prefix }).byPage({ maxPageSize: pageSize, ...(options.cursor ? { continuationToken: options.cursor } : {}) })
      : this.#container.listBlobsFlat({ prefix }).byPage({ maxPageSize: pageSize, ...(options.cursor ? { continuationToken: options.cursor } : {}) });
    const { value: page } = await pages.next();
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
    try {
      // Copy Blob takes the account's default tier unless told otherwise: the source's tier is carried.
      const { accessTier } = await source.getProperties();
      await (await target.beginCopyFromURL(source.url, accessTier ? { tier: accessTier } : {})).pollUntilDone();
    } catch (error) {
      throw notFound(error, from);
    }
  }

  async move(from: string, to: string): Promise<void> {
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

function notFound(error: unknown, key: string): unknown {
  return error instanceof RestError && error.statusCode === 404 ? new ObjectNotFoundError(key) : error;
}
