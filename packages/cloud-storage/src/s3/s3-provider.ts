import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { uploadBody } from '../body';
import { splitMetadata } from '../stored-metadata';
import { assertGetOptions, assertSignedUrlOptions, existsFromStat } from '../provider-checks';
import { downloadStages, withProgress } from '../stream-stages';
import { ObjectNotFoundError, UnsupportedFeatureError } from '../errors';
import { assertKey, assertPrefix } from '../key';
import type { Body, Capabilities, GetOptions, ListOptions, ListPage, ObjectInfo, PutOptions, SignedUrlOptions, StorageProvider } from '../provider';

/** Options of the S3 provider (also GCS through its S3-compatible XML API). */
export interface S3ProviderOptions {
  bucket: string;
  /** A client you configured, or the settings to create one. */
  client?: S3Client;
  config?: S3ClientConfig;
  /** Every key lives under this prefix in the bucket (e.g. `tenant-a/`). */
  prefix?: string;
  /** Concurrent part uploads (default 4): memory stays near queueSize × part size. */
  queueSize?: number;
  /** `gcs` for Google Cloud Storage's XML API (its classes, no SSE headers). */
  flavor?: 'aws' | 'gcs';
}

const MIB = 1024 * 1024;
const AWS_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY'];
const GCS_CLASSES = ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'];
const META_CLASSIFICATION = 'core-classification';
const META_SHA256 = 'core-sha256';
const META_NAMES = { classification: META_CLASSIFICATION, sha256: META_SHA256 };

/** Part size for an upload of `size` bytes: at least 5 MiB, and few enough parts (≤ 10,000). */
export function partSizeFor(size: number | undefined): number {
  return Math.max(5 * MIB, size === undefined ? 0 : Math.ceil(size / 10_000));
}

/**
 * S3 (and S3-compatible stores) on the AWS SDK v3: multipart uploads through lib-storage with a
 * bounded queue, byte ranges, complete paginated listings under an optional key prefix, SSE-S3 and
 * SSE-KMS, storage classes, presigned URLs, and a SHA-256 of every object kept in its metadata.
 */
export class S3Provider implements StorageProvider {
  readonly name: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #queueSize: number;
  readonly #flavor: 'aws' | 'gcs';

  constructor(options: S3ProviderOptions) {
    this.#client = options.client ?? new S3Client(options.config ?? {});
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    if (this.#prefix !== '') assertPrefix(this.#prefix);
    this.#queueSize = options.queueSize ?? 4;
    this.#flavor = options.flavor ?? 'aws';
    this.name = this.#flavor === 'gcs' ? 'gcs' : 's3';
  }

  capabilities(): Capabilities {
    return {
      provider: this.name,
      multipart: true,
      rangeReads: true,
      signedUrls: true,
      storageClasses: this.#flavor === 'gcs' ? GCS_CLASSES : AWS_CLASSES,
      serverSideEncryption: this.#flavor === 'gcs' ? [] : ['sse-s3', 'sse-kms'],
      clientSideEncryption: false,
      checksum: 'sha256',
    };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const full = this.#key(key);
    const encryption = options.encryption ?? (options.classification === 'confidential' ? defaultSse(this.#flavor) : undefined);
    if (options.classification === 'confidential' && !encryption) throw new UnsupportedFeatureError(this.name, 'encryption, which confidential objects require');
    if (encryption && !(this.capabilities().serverSideEncryption as string[]).includes(encryption.type)) {
      throw new UnsupportedFeatureError(this.name, `${encryption.type} encryption`);
    }
    if (options.storageClass !== undefined && !this.capabilities().storageClasses.includes(options.storageClass)) {
      throw new UnsupportedFeatureError(this.name, `storage class ${options.storageClass}`);
    }
    // Bytes carry their checksum in the metadata. Files and streams are hashed as they are sent (a file is
    // read once) and the checksum is stamped afterwards: as a tag on S3, which changes no byte of the
    // object; GCS's XML API has no tags and would need a copy, so there files are hashed first.
    const prepared = await uploadBody(body, { hashFileFirst: this.#flavor === 'gcs' });
    const metadata = { ...options.metadata, ...(options.classification ? { [META_CLASSIFICATION]: options.classification } : {}) };
    const params = {
      Bucket: this.#bucket,
      Key: full,
      ContentType: options.contentType,
      StorageClass: options.storageClass as never,
      ...sseParams(encryption),
    };
    const upload = new Upload({
      client: this.#client,
      params: {
        ...params,
        Metadata: { ...metadata, ...(prepared.sha256Before ? { [META_SHA256]: prepared.sha256Before } : {}) },
        // Errors of the source travel down to the stream the upload reads, so the upload fails (and aborts).
        Body: withProgress(prepared.stream, key, prepared.size, options.onProgress),
      },
      partSize: partSizeFor(prepared.size),
      queueSize: this.#queueSize,
      leavePartsOnError: false, // an interrupted upload is aborted: no visible object, no orphan parts
    });
    await upload.done();
    try {
      const digest = await prepared.sent();
      if (!prepared.sha256Before) await this.#stampChecksum(full, digest, () => ({ ...params, Metadata: { ...metadata, [META_SHA256]: digest } }));
    } catch (error) {
      await this.delete(key).catch(() => undefined); // no object without its checksum, or under one its bytes lack
      throw error;
    }
    return this.stat(key);
  }

  /** Records a checksum computed during the upload: a tag on S3; on GCS a metadata-only copy (`withMetadata`). */
  async #stampChecksum(full: string, digest: string, withMetadata: () => object): Promise<void> {
    if (this.#flavor === 'aws') {
      await this.#tagChecksum(full, digest);
    } else {
      await this.#client.send(new CopyObjectCommand({ ...withMetadata(), Bucket: this.#bucket, Key: full, CopySource: this.#copySource(full), MetadataDirective: 'REPLACE' }));
    }
  }

  async #tagChecksum(full: string, digest: string): Promise<void> {
    await this.#client.send(new PutObjectTaggingCommand({ Bucket: this.#bucket, Key: full, Tagging: { TagSet: [{ Key: META_SHA256, Value: digest }] } }));
  }

  /** The checksum from the metadata, else from the tag a stamped upload left (S3 only). */
  async #storedChecksum(full: string, metadata: Record<string, string> | undefined): Promise<string | undefined> {
    if (metadata?.[META_SHA256] || this.#flavor !== 'aws') return metadata?.[META_SHA256];
    const tags = await this.#client.send(new GetObjectTaggingCommand({ Bucket: this.#bucket, Key: full }));
    return tags.TagSet?.find((tag) => tag.Key === META_SHA256)?.Value;
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const full = this.#key(key);
    const range = options.range;
    assertGetOptions(options);
    try {
      const res = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: full, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      );
      const body = res.Body as Readable;
      try {
        const sha256 = options.verify ? await this.#storedChecksum(full, res.Metadata) : undefined;
        return downloadStages(body, key, { sha256, size: res.ContentLength }, options);
      } catch (error) {
        body.destroy(); // the connection is not left holding an unread body
        throw error;
      }
    } catch (error) {
      throw notFound(error, key);
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const full = this.#key(key);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: full }));
      const { metadata, classification } = splitMetadata(head.Metadata, META_NAMES);
      const sha256 = await this.#storedChecksum(full, head.Metadata);
      return {
        key,
        size: head.ContentLength ?? 0,
        lastModified: head.LastModified ?? new Date(0),
        contentType: head.ContentType,
        metadata,
        classification,
        storageClass: head.StorageClass ?? 'STANDARD',
        checksum: sha256 ? { algorithm: 'sha256', value: sha256 } : undefined,
        encrypted: head.ServerSideEncryption !== undefined,
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
    for (const key of list) this.#key(key);
    // S3 reports absent keys as deleted too: count the ones that existed first.
    const existing = (await Promise.all(list.map(async (k) => ((await this.exists(k)) ? k : undefined)))).filter((k): k is string => !!k);
    for (let i = 0; i < existing.length; i += 1000) {
      const batch = existing.slice(i, i + 1000);
      await this.#client.send(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch.map((k) => ({ Key: this.#key(k) })), Quiet: true } }));
    }
    return existing.length;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    assertPrefix(options.prefix ?? '');
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize must be 1..1000, got ${pageSize}`);
    const res = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.#bucket,
        Prefix: this.#prefix + (options.prefix ?? ''),
        MaxKeys: pageSize,
        ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
        ...(options.cursor ? { ContinuationToken: options.cursor } : {}),
      }),
    );
    return {
      objects: (res.Contents ?? []).map((o) => ({
        key: o.Key!.slice(this.#prefix.length),
        size: o.Size ?? 0,
        lastModified: o.LastModified ?? new Date(0),
        storageClass: o.StorageClass,
      })),
      prefixes: (res.CommonPrefixes ?? []).map((p) => p.Prefix!.slice(this.#prefix.length)),
      cursor: res.IsTruncated ? res.NextContinuationToken : undefined,
    };
  }

  async copy(from: string, to: string): Promise<void> {
    const source = this.#key(from);
    const target = this.#key(to);
    try {
      // A copy is the same object under another key. CopyObject alone would make it STANDARD and encrypt
      // it with the bucket's default, so the class and SSE settings are carried; so is a checksum kept in
      // a tag (S3 copies tags, not every S3-compatible store does).
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: source }));
      const tagged = head.Metadata?.[META_SHA256] ? undefined : await this.#storedChecksum(source, head.Metadata);
      const carried = {
        ...(head.StorageClass && head.StorageClass !== 'STANDARD' ? { StorageClass: head.StorageClass } : {}),
        ...(this.#flavor === 'aws' && head.ServerSideEncryption ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
        ...(this.#flavor === 'aws' && head.SSEKMSKeyId ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}),
      };
      await this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: target, CopySource: this.#copySource(source), ...carried }));
      if (tagged) await this.#tagChecksum(target, tagged);
    } catch (error) {
      throw notFound(error, from);
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.copy(from, to);
    await this.delete(from);
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    const full = this.#key(key);
    assertSignedUrlOptions(options);
    const command =
      options.method === 'GET'
        ? new GetObjectCommand({ Bucket: this.#bucket, Key: full })
        : new PutObjectCommand({ Bucket: this.#bucket, Key: full, ...(options.contentType ? { ContentType: options.contentType } : {}) });
    return getSignedUrl(this.#client, command, { expiresIn: options.expiresInSeconds });
  }

  #key(key: string): string {
    assertKey(key);
    return this.#prefix + key;
  }

  #copySource(full: string): string {
    return `${this.#bucket}/${full.split('/').map(encodeURIComponent).join('/')}`;
  }
}

function defaultSse(flavor: 'aws' | 'gcs'): PutOptions['encryption'] {
  return flavor === 'aws' ? { type: 'sse-s3' } : undefined;
}

function sseParams(encryption: PutOptions['encryption']): Record<string, string> {
  if (!encryption) return {};
  if (encryption.type === 'sse-s3') return { ServerSideEncryption: 'AES256' };
  if (encryption.type === 'sse-kms') return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: encryption.keyId };
  return {};
}

function notFound(error: unknown, key: string): unknown {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404 ? new ObjectNotFoundError(key) : error;
}
