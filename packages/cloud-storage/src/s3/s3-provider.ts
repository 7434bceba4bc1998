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
  type DeleteObjectsCommandOutput,
  type GetObjectCommandOutput,
  type GetObjectTaggingCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { uploadBody } from '../body';
import { splitMetadata } from '../stored-metadata';
import { assertGetOptions, assertSignedUrlOptions, existsFromStat } from '../provider-checks';
import { downloadStages, withProgress } from '../stream-stages';
import { callDeadline, idleWatchdog, storageError } from '../call-deadline';
import { PartialDeleteError, StorageUnavailableError, UnsupportedFeatureError } from '../errors';
import { assertKey, assertPrefix, folderPrefix } from '../key';
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
  /**
   * Deadline of each request, and the longest a transfer may go without progress, ms (default 30,000);
   * then the call fails with `StorageUnavailableError`. A client this provider creates also gets a 5 s
   * connect timeout.
   */
  timeoutMs?: number;
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
  readonly #timeoutMs: number;

  constructor(options: S3ProviderOptions) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#client =
      options.client ??
      new S3Client({ ...options.config, requestHandler: options.config?.requestHandler ?? { connectionTimeout: 5_000, requestTimeout: this.#timeoutMs, throwOnRequestTimeout: true } });
    this.#bucket = options.bucket;
    // A prefix is a folder: `tenant-a` must not see `tenant-ab/`.
    this.#prefix = folderPrefix(options.prefix);
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
    const abortController = new AbortController();
    const upload = new Upload({
      client: this.#client,
      abortController,
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
    // An idle deadline: a large upload may take long, but never long without a part going through.
    const deadline = callDeadline(this.#timeoutMs, options.signal);
    const onAbort = () => void upload.abort().catch(() => undefined);
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    upload.on('httpUploadProgress', () => deadline.extend());
    try {
      await upload.done();
    } catch (error) {
      throw storageError(error, `put "${key}"`, deadline);
    } finally {
      deadline.signal.removeEventListener('abort', onAbort);
      deadline.clear();
    }
    let digest: string;
    try {
      digest = await prepared.sent();
    } catch (error) {
      await this.delete(key).catch(() => undefined); // bytes that changed as they were sent: no object under a wrong checksum
      throw error;
    }
    if (!prepared.sha256Before) {
      try {
        await this.#stampChecksum(full, digest, () => ({ ...params, Metadata: { ...metadata, [META_SHA256]: digest } }), options.signal);
      } catch (error) {
        // The new bytes are stored whole (the SDK checks each part); deleting them would lose the object
        // they replaced as well. Only the checksum is missing: say so, and a retried put completes it.
        throw new StorageUnavailableError(`put "${key}": the object was stored but its checksum could not be recorded; retry the put`, { cause: error });
      }
    }
    return this.stat(key);
  }

  /** Records a checksum computed during the upload: a tag on S3; on GCS a metadata-only copy (`withMetadata`). */
  async #stampChecksum(full: string, digest: string, withMetadata: () => object, signal?: AbortSignal): Promise<void> {
    if (this.#flavor === 'aws') {
      await this.#tagChecksum(full, digest, signal);
    } else {
      await this.#send(new CopyObjectCommand({ ...withMetadata(), Bucket: this.#bucket, Key: full, CopySource: this.#copySource(full), MetadataDirective: 'REPLACE' }), 'record checksum', undefined, signal);
    }
  }

  async #tagChecksum(full: string, digest: string, signal?: AbortSignal): Promise<void> {
    await this.#send(new PutObjectTaggingCommand({ Bucket: this.#bucket, Key: full, Tagging: { TagSet: [{ Key: META_SHA256, Value: digest }] } }), 'record checksum', undefined, signal);
  }

  /** The checksum from the metadata, else from the tag a stamped upload left (S3 only). */
  async #storedChecksum(full: string, metadata: Record<string, string> | undefined, key?: string): Promise<string | undefined> {
    if (metadata?.[META_SHA256] || this.#flavor !== 'aws') return metadata?.[META_SHA256];
    const tags = await this.#send<GetObjectTaggingCommandOutput>(new GetObjectTaggingCommand({ Bucket: this.#bucket, Key: full }), 'read checksum', key);
    return tags.TagSet?.find((tag) => tag.Key === META_SHA256)?.Value;
  }

  /**
   * Sends one command under the provider's deadline (joined with the caller's signal) and turns any
   * failure into this package's errors (see `storageError`).
   */
  async #send<T>(command: { input: object }, what: string, key?: string, signal?: AbortSignal): Promise<T> {
    const deadline = callDeadline(this.#timeoutMs, signal);
    try {
      return (await this.#client.send(command as never, { abortSignal: deadline.signal })) as T;
    } catch (error) {
      throw storageError(error, key === undefined ? what : `${what} "${key}"`, deadline, key);
    } finally {
      deadline.clear();
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const full = this.#key(key);
    const range = options.range;
    assertGetOptions(options);
    const res = await this.#send<GetObjectCommandOutput>(
      new GetObjectCommand({ Bucket: this.#bucket, Key: full, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      'get',
      key,
      options.signal,
    );
    const body = res.Body as Readable;
    try {
      const sha256 = options.verify ? await this.#storedChecksum(full, res.Metadata, key) : undefined;
      return downloadStages(idleWatchdog(body, this.#timeoutMs, `get "${key}"`), key, { sha256, size: res.ContentLength }, options);
    } catch (error) {
      body.destroy(); // the connection is not left holding an unread body
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const full = this.#key(key);
    const head = await this.#send<HeadObjectCommandOutput>(new HeadObjectCommand({ Bucket: this.#bucket, Key: full }), 'stat', key);
    {
      const { metadata, classification } = splitMetadata(head.Metadata, META_NAMES);
      const sha256 = await this.#storedChecksum(full, head.Metadata, key);
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
    const failed: Array<{ key: string; reason: string }> = [];
    for (let i = 0; i < existing.length; i += 1000) {
      const batch = existing.slice(i, i + 1000);
      const res = await this.#send<DeleteObjectsCommandOutput>(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch.map((k) => ({ Key: this.#key(k) })), Quiet: true } }), 'delete');
      // DeleteObjects answers 200 and lists the keys it could not delete: each one is a failure.
      for (const e of res.Errors ?? []) failed.push({ key: (e.Key ?? '').slice(this.#prefix.length), reason: `${e.Code ?? 'error'}: ${e.Message ?? ''}`.trim() });
    }
    if (failed.length > 0) throw new PartialDeleteError(failed, existing.length - failed.length);
    return existing.length;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    assertPrefix(options.prefix ?? '');
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError(`pageSize must be 1..1000, got ${pageSize}`);
    const res = await this.#send<ListObjectsV2CommandOutput>(
      new ListObjectsV2Command({
        Bucket: this.#bucket,
        Prefix: this.#prefix + (options.prefix ?? ''),
        MaxKeys: pageSize,
        ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
        ...(options.cursor ? { ContinuationToken: options.cursor } : {}),
      }),
      'list',
      undefined,
      options.signal,
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
    {
      // A copy is the same object under another key. CopyObject alone would make it STANDARD and encrypt
      // it with the bucket's default, so the class and SSE settings are carried; so is a checksum kept in
      // a tag (S3 copies tags, not every S3-compatible store does).
      const head = await this.#send<HeadObjectCommandOutput>(new HeadObjectCommand({ Bucket: this.#bucket, Key: source }), 'copy', from);
      const tagged = head.Metadata?.[META_SHA256] ? undefined : await this.#storedChecksum(source, head.Metadata, from);
      const carried = {
        ...(head.StorageClass && head.StorageClass !== 'STANDARD' ? { StorageClass: head.StorageClass } : {}),
        ...(this.#flavor === 'aws' && head.ServerSideEncryption ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
        ...(this.#flavor === 'aws' && head.SSEKMSKeyId ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}),
      };
      await this.#send(new CopyObjectCommand({ Bucket: this.#bucket, Key: target, CopySource: this.#copySource(source), ...carried }), 'copy', from);
      if (tagged) await this.#tagChecksum(target, tagged);
    }
  }

  async move(from: string, to: string): Promise<void> {
    if (from === to) return void (await this.stat(from)); // a move onto itself keeps the object
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
