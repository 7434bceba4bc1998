/** Base class of every error this package throws on purpose. */
export class VectorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A vector with the wrong dimension, no components, or a NaN / infinite component. */
export class InvalidVectorError extends VectorError {}

/** A filter using an unknown operator or a malformed operand. */
export class InvalidFilterError extends VectorError {}

/** Metadata that is not a flat JSON object of strings, finite numbers, booleans and string lists. */
export class InvalidMetadataError extends VectorError {}

/** An argument out of range or of the wrong shape (topK, ids, names, TTL, options). */
export class InvalidArgumentError extends VectorError {}

/** The collection does not exist. */
export class CollectionNotFoundError extends VectorError {}

/** A collection of that name already exists. */
export class CollectionExistsError extends VectorError {}

/** The files of an embedded collection could not be read back consistently. */
export class CorruptCollectionError extends VectorError {}

/** The remote backend failed after the allowed retries. */
export class BackendUnavailableError extends VectorError {}
