import type { Readable } from 'node:stream';

/** Sensitivity label stored with each object; `confidential` forces encryption. */
export type Classification = 'public' | 'internal' | 'confidential';

/** How an object is encrypted at rest. */
export type Encryption =
  | { type: 'sse-s3' }
  | { type: 'sse-kms'; keyId: string }
  | { type: 'client' }
  | { type: 'scope'; scope: string };

/** What can be stored: bytes, text, a stream, or a file on disk. */
export type Body = Buffer | Uint8Array | string | Readable | { path: string };

/** Bytes moved so far for one object. */
export interface Progress {
  key: string;
  bytes: number;
  total: number | undefined;
}

/** Options of `put`. */
export interface PutOptions {
  contentType?: string;
  /** User metadata (string values). */
  metadata?: Record<string, string>;
  classification?: Classification;
  encryption?: Encryption;
  /** Provider storage class or tier (`STANDARD_IA`, `GLACIER`, ...). */
  storageClass?: string;
  onProgress?: (progress: Progress) => void;
  /** Aborts the upload (`StorageAbortedError`). */
  signal?: AbortSignal;
}

/** Options of `get`. */
export interface GetOptions {
  /** Inclusive byte range. */
  range?: { start: number; end?: number };
  /** Recompute the checksum while reading and fail the stream on a mismatch. */
  verify?: boolean;
  onProgress?: (progress: Progress) => void;
  /** Aborts the request (`StorageAbortedError`). */
  signal?: AbortSignal;
}

/** What a provider knows about an object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  contentType: string | undefined;
  metadata: Record<string, string>;
  classification: Classification | undefined;
  storageClass: string | undefined;
  /** Checksum of the object's bytes as stored by this package (hex). */
  checksum: { algorithm: 'sha256' | 'md5'; value: string } | undefined;
  encrypted: boolean;
}

/** Options of `list`. */
export interface ListOptions {
  prefix?: string;
  /** Group keys by the next occurrence of this string after the prefix (usually `/`). */
  delimiter?: string;
  /** Most objects per page (default 1,000). */
  pageSize?: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  /** Aborts the request (`StorageAbortedError`). */
  signal?: AbortSignal;
}

/** One page of a listing. */
export interface ListPage {
  objects: Array<{ key: string; size: number; lastModified: Date; storageClass: string | undefined }>;
  /** Common prefixes when a delimiter is given. */
  prefixes: string[];
  /** Pass to the next `list` call; absent on the last page. */
  cursor: string | undefined;
}

/** What a provider can do; asking for anything else throws `UnsupportedFeatureError`. */
export interface Capabilities {
  provider: string;
  multipart: boolean;
  rangeReads: boolean;
  signedUrls: boolean;
  storageClasses: string[];
  serverSideEncryption: Array<'sse-s3' | 'sse-kms' | 'scope'>;
  clientSideEncryption: boolean;
  checksum: 'sha256' | 'md5';
}

/** Options of `signedUrl`. */
export interface SignedUrlOptions {
  method: 'GET' | 'PUT';
  expiresInSeconds: number;
  contentType?: string;
}

/** One streaming API over every store. */
export interface StorageProvider {
  readonly name: string;
  capabilities(): Capabilities;
  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo>;
  get(key: string, options?: GetOptions): Promise<Readable>;
  stat(key: string): Promise<ObjectInfo>;
  exists(key: string): Promise<boolean>;
  /** Deletes one or many keys; resolves to how many existed. */
  delete(keys: string | string[]): Promise<number>;
  list(options?: ListOptions): Promise<ListPage>;
  copy(from: string, to: string): Promise<void>;
  move(from: string, to: string): Promise<void>;
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
}
