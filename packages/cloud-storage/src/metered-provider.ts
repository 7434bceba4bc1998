import { pipeline, Transform, type Readable } from 'node:stream';
import type { Body, Capabilities, GetOptions, ListOptions, ListPage, ObjectInfo, PutOptions, SignedUrlOptions, StorageProvider } from './provider';

/** The operations a metered provider counts. */
export type StorageOperation = 'put' | 'get' | 'stat' | 'exists' | 'delete' | 'list' | 'copy' | 'move' | 'signedUrl';

/** Counters of a metered provider since it was made. */
export interface StorageStats {
  provider: string;
  /** Calls and failed calls per operation (a `get` whose stream fails counts as failed). */
  operations: Record<StorageOperation, { calls: number; errors: number }>;
  /** Failures by error `code` (`STORAGE_UNAVAILABLE`, `STORAGE_NOT_FOUND` …; `UNKNOWN` for errors without one). */
  errorsByCode: Record<string, number>;
  /** Bytes of objects written (`put`, as the store reported them) and read (`get`, as streamed to the caller). */
  bytesWritten: number;
  bytesRead: number;
}

const OPERATIONS: StorageOperation[] = ['put', 'get', 'stat', 'exists', 'delete', 'list', 'copy', 'move', 'signedUrl'];

/** A provider that counts its calls, failures and bytes for `stats()`. */
export interface MeteredProvider extends StorageProvider {
  stats(): StorageStats;
}

/**
 * Wraps a provider so that every call is counted (calls, failures by code, bytes in and out) for
 * `stats()` — what `@core/monitor` reads at scrape time. The wrapped provider's behaviour is unchanged;
 * `get` streams pass through a counting stage that ends, fails and stops early as the original does.
 */
export function metered(provider: StorageProvider): MeteredProvider {
  const operations = Object.fromEntries(OPERATIONS.map((op) => [op, { calls: 0, errors: 0 }])) as StorageStats['operations'];
  const errorsByCode: Record<string, number> = {};
  let bytesWritten = 0;
  let bytesRead = 0;
  const failed = (op: StorageOperation, error: unknown) => {
    operations[op].errors++;
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'UNKNOWN';
    errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
  };
  const count = async <T>(op: StorageOperation, call: () => Promise<T>): Promise<T> => {
    operations[op].calls++;
    try {
      return await call();
    } catch (error) {
      failed(op, error);
      throw error;
    }
  };
  return {
    name: provider.name,
    capabilities: (): Capabilities => provider.capabilities(),
    put: async (key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> => {
      const info = await count('put', () => provider.put(key, body, options));
      bytesWritten += info.size;
      return info;
    },
    get: async (key: string, options?: GetOptions): Promise<Readable> => {
      const source = await count('get', () => provider.get(key, options));
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytesRead += chunk.length;
          done(null, chunk);
        },
      });
      return pipeline(source, counter, (error) => {
        if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') failed('get', error);
      });
    },
    stat: (key) => count('stat', () => provider.stat(key)),
    exists: (key) => count('exists', () => provider.exists(key)),
    delete: (keys) => count('delete', () => provider.delete(keys)),
    list: (options?: ListOptions): Promise<ListPage> => count('list', () => provider.list(options)),
    copy: (from, to) => count('copy', () => provider.copy(from, to)),
    move: (from, to) => count('move', () => provider.move(from, to)),
    signedUrl: (key, options: SignedUrlOptions) => count('signedUrl', () => provider.signedUrl(key, options)),
    stats: () => ({ provider: provider.name, operations: structuredClone(operations), errorsByCode: { ...errorsByCode }, bytesWritten, bytesRead }),
  };
}
