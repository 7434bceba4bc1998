/** Stable codes of every error this package throws, one per failure kind. */
export type VectorErrorCode =
  | 'VECTOR_INVALID_VECTOR'
  | 'VECTOR_INVALID_FILTER'
  | 'VECTOR_INVALID_METADATA'
  | 'VECTOR_INVALID_ARGUMENT'
  | 'VECTOR_COLLECTION_NOT_FOUND'
  | 'VECTOR_COLLECTION_EXISTS'
  | 'VECTOR_CORRUPT'
  | 'VECTOR_LOCKED'
  | 'VECTOR_READ_ONLY'
  | 'VECTOR_WRITE_FAILED'
  | 'VECTOR_UNAVAILABLE';

/** Base class of every error this package throws on purpose: `code` says which failure it is. */
export abstract class VectorError extends Error {
  abstract readonly code: VectorErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A vector with the wrong dimension, no components, or a NaN / infinite component. */
export class InvalidVectorError extends VectorError {
  readonly code = 'VECTOR_INVALID_VECTOR';
}

/** A filter using an unknown operator or a malformed operand. */
export class InvalidFilterError extends VectorError {
  readonly code = 'VECTOR_INVALID_FILTER';
}

/** Metadata that is not a flat JSON object of strings, finite numbers, booleans and string lists. */
export class InvalidMetadataError extends VectorError {
  readonly code = 'VECTOR_INVALID_METADATA';
}

/** An argument out of range or of the wrong shape (topK, ids, names, TTL, options). */
export class InvalidArgumentError extends VectorError {
  readonly code = 'VECTOR_INVALID_ARGUMENT';
}

/** The collection does not exist. */
export class CollectionNotFoundError extends VectorError {
  readonly code = 'VECTOR_COLLECTION_NOT_FOUND';
}

/** A collection of that name already exists. */
export class CollectionExistsError extends VectorError {
  readonly code = 'VECTOR_COLLECTION_EXISTS';
}

/** The files of an embedded collection could not be read back consistently. */
export class CorruptCollectionError extends VectorError {
  readonly code = 'VECTOR_CORRUPT';
}

/** Another live process has the embedded collection open for writing (single writer). */
export class CollectionLockedError extends VectorError {
  readonly code = 'VECTOR_LOCKED';
}

/** A write on a store opened with `readOnly: true`. */
export class ReadOnlyError extends VectorError {
  readonly code = 'VECTOR_READ_ONLY';
}

/** The write-ahead log could not be written: the write was not applied and not acknowledged. */
export class WriteFailedError extends VectorError {
  readonly code = 'VECTOR_WRITE_FAILED';
}

/** The remote backend could not be reached or failed after the allowed retries. */
export class BackendUnavailableError extends VectorError {
  readonly code = 'VECTOR_UNAVAILABLE';
}
