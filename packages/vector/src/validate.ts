import { InvalidArgumentError, InvalidMetadataError, InvalidVectorError } from './errors';
import type { Metadata, Metric, QueryOptions, VectorRecord } from './types';

/** Largest topK a query may ask for (Pinecone's limit too). */
export const MAX_TOP_K = 10_000;
const MAX_ID_BYTES = 512;
const NAME = /^[a-z0-9][a-z0-9-]{0,44}$/;
const METRICS: Metric[] = ['cosine', 'euclidean', 'dot'];

/** Collection names: lower-case letters, digits and dashes, up to 45 characters (Pinecone's rule). */
export function assertCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(`collection name must be 1-45 lower-case letters, digits or dashes, starting with a letter or digit; got ${JSON.stringify(name)}`);
  }
}

/** A metric this package knows. */
export function assertMetric(metric: unknown): asserts metric is Metric {
  if (!METRICS.includes(metric as Metric)) throw new InvalidArgumentError(`metric must be one of ${METRICS.join(', ')}; got ${JSON.stringify(metric)}`);
}

/** A positive integer option. */
export function assertPositiveInteger(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}; got ${String(value)}`);
  }
}

/** Record ids: non-empty strings of at most 512 bytes. */
export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > MAX_ID_BYTES) {
    throw new InvalidArgumentError(`record id must be a non-empty string of at most ${MAX_ID_BYTES} bytes; got ${JSON.stringify(id)}`);
  }
}

/** Namespaces: strings without control characters ('' is the default namespace). */
export function namespaceOf(namespace: unknown): string {
  if (namespace === undefined) return '';
  if (typeof namespace !== 'string' || /[\u0000-\u001f]/.test(namespace) || Buffer.byteLength(namespace) > MAX_ID_BYTES) {
    throw new InvalidArgumentError(`namespace must be a string without control characters; got ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

/** Checks a vector: the right number of components, every one a finite number. */
export function assertVector(vector: unknown, dimension: number, what = 'vector'): asserts vector is ArrayLike<number> {
  if (vector === null || typeof vector !== 'object' || typeof (vector as ArrayLike<number>).length !== 'number') {
    throw new InvalidVectorError(`${what} must be an array of numbers`);
  }
  const values = vector as ArrayLike<unknown>;
  if (values.length === 0) throw new InvalidVectorError(`${what} is empty; this collection takes ${dimension} components`);
  if (values.length !== dimension) throw new InvalidVectorError(`${what} has ${values.length} components; this collection takes ${dimension}`);
  for (let i = 0; i < dimension; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidVectorError(`${what}[${i}] is ${String(x)}; every component must be a finite number`);
  }
}

/** Checks a vector and copies it into a Float32Array (how records are stored). */
export function toVector(vector: unknown, dimension: number, what = 'vector'): Float32Array {
  assertVector(vector, dimension, what);
  return Float32Array.from(vector);
}

/** Checks a query vector; a plain array is used as it is (no copy on the query path). */
export function toQueryVector(vector: unknown, dimension: number): number[] {
  assertVector(vector, dimension, 'query vector');
  return Array.isArray(vector) ? (vector as number[]) : Array.from(vector);
}

/** Metadata: a flat object of strings, finite numbers, booleans and string arrays (what Pinecone stores). */
export function assertMetadata(metadata: unknown, id: string): asserts metadata is Metadata | undefined {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || Object.getPrototypeOf(metadata) !== Object.prototype && Object.getPrototypeOf(metadata) !== null) {
    throw new InvalidMetadataError(`metadata of "${id}" must be a plain object`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('__core')) throw new InvalidMetadataError(`metadata key "${key}" of "${id}" is reserved`);
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) {
      throw new InvalidMetadataError(
        `metadata "${key}" of "${id}" is ${describeValue(value)}; values must be strings, finite numbers, booleans or arrays of strings (JSON that every backend stores)`,
      );
    }
  }
}

/** Validates a batch before anything is written: the first bad record throws, nothing is stored. */
export function prepareRecords(records: unknown, dimension: number): Array<{ id: string; vector: Float32Array; metadata: Metadata | undefined }> {
  if (!Array.isArray(records)) throw new InvalidArgumentError('upsert takes an array of records');
  const seen = new Set<string>();
  return records.map((record: VectorRecord, i) => {
    if (typeof record !== 'object' || record === null) throw new InvalidArgumentError(`record ${i} must be an object`);
    assertId(record.id);
    if (seen.has(record.id)) throw new InvalidArgumentError(`record id "${record.id}" appears twice in one upsert`);
    seen.add(record.id);
    assertMetadata(record.metadata, record.id);
    const metadata = record.metadata === undefined ? undefined : { ...record.metadata };
    return { id: record.id, vector: toVector(record.vector, dimension, `vector of "${record.id}"`), metadata };
  });
}

/** Checks a query's shape; returns topK. */
export function assertQuery(options: QueryOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('query takes an options object');
  assertPositiveInteger(options.topK, 'topK', MAX_TOP_K);
  if ((options.vector === undefined) === (options.id === undefined)) throw new InvalidArgumentError('query takes exactly one of vector or id');
  if (options.id !== undefined) assertId(options.id);
  if (options.ef !== undefined) assertPositiveInteger(options.ef, 'ef', 10_000);
  if (options.minScore !== undefined && (typeof options.minScore !== 'number' || Number.isNaN(options.minScore))) {
    throw new InvalidArgumentError(`minScore must be a number; got ${String(options.minScore)}`);
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array with non-string elements';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'a nested object';
  return `a ${typeof value}`;
}
