import { ObjectId, type Collection, type Document, type Filter as MongoFilter, type Sort } from 'mongodb';
import type { EntityMetadata } from 'typeorm';
import type { BulkLoadOptions } from '../bulk-load';
import type { LockOptions } from '../dialect';
import { InvalidQueryError, LockTimeoutError, NotFoundError } from '../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import { pageWindow, sortKeys } from '../page-window';
import { columnFor, type ColumnMetadata, type Where } from '../query-guard';
import type { CallTimeout, GetManyOptions, Page } from '../repository';
import type { MongoEndpoint } from './mongo-endpoint';

const OPERATORS = new Set(['$gt', '$gte', '$lt', '$lte', '$ne', '$in']);

/**
 * The repository API on MongoDB, through TypeORM's metadata (fields checked, names mapped, the
 * ObjectId column as `_id`) and the mongodb driver. Every operation carries `maxTimeMS`, so the server
 * stops it at the deadline. `updateWithLock` is optimistic (MongoDB has no row locks): the update
 * applies only if the document is unchanged since it was read, retried until the lock timeout.
 */
export class MongoRepository<T extends object> {
  readonly metadata: EntityMetadata;
  readonly #collection: Collection<Document>;
  readonly #endpoint: MongoEndpoint;
  readonly #pk: ColumnMetadata;

  constructor(metadata: EntityMetadata, collection: Collection<Document>, endpoint: MongoEndpoint) {
    this.metadata = metadata;
    this.#collection = collection;
    this.#endpoint = endpoint;
    const pk = metadata.objectIdColumn ?? metadata.primaryColumns[0];
    if (!pk) throw new InvalidQueryError(`${metadata.name} needs an ObjectId or primary column`);
    this.#pk = pk;
  }

  async create(data: Partial<T>, options: CallTimeout = {}): Promise<T> {
    const doc = this.#toDocument(data, 'create', true);
    await this.#endpoint.run((maxTimeMS) => this.#collection.insertOne(doc, { maxTimeMS } as object), options);
    return this.#hydrate(doc);
  }

  async getById(id: unknown, options: CallTimeout = {}): Promise<T | undefined> {
    const doc = await this.#endpoint.run((maxTimeMS) => this.#collection.findOne({ [this.#key()]: this.#id(id) }, { maxTimeMS }), { ...options, idempotent: true });
    return doc ? this.#hydrate(doc) : undefined;
  }

  async getMany(options: GetManyOptions<T> = {}): Promise<Page<T>> {
    const { limit: capped, offset } = pageWindow(options);
    const order = sortKeys(this.metadata, options.orderBy as Record<string, unknown> | undefined, this.#pk);
    const filter = this.#filter(options.where);
    if (options.cursor !== undefined) {
      if (new Set(order.map((o) => o.descending)).size > 1) throw new InvalidQueryError('cursor pagination needs every orderBy field in the same direction');
      const after = decodeCursor(options.cursor, order.length);
      const op = order[0]!.descending ? '$lt' : '$gt';
      // (a, b, c) > (x, y, z)  ⇔  a > x ∨ (a = x ∧ b > y) ∨ (a = x ∧ b = y ∧ c > z)
      const branches = order.map((o, i) => {
        const branch: Document = {};
        for (let j = 0; j < i; j++) branch[order[j]!.column.databaseName] = this.#revive(after[j], order[j]!.column);
        branch[o.column.databaseName] = { [op]: this.#revive(after[i], o.column) };
        return branch;
      });
      filter.$and = [...((filter.$and as Document[] | undefined) ?? []), { $or: branches }];
    }
    const sort: Sort = Object.fromEntries(order.map((o) => [o.column.databaseName, o.descending ? -1 : 1]));
    const docs = await this.#endpoint.run(
      (maxTimeMS) => this.#collection.find(filter, { sort, skip: offset || undefined, limit: capped, maxTimeMS }).toArray(),
      { timeoutMs: options.timeoutMs, idempotent: true },
    );
    const last = docs.at(-1);
    const nextCursor = docs.length === capped && last ? encodeCursor(order.map((o) => last[o.column.databaseName]), cursorJson) : undefined;
    return { items: docs.map((d) => this.#hydrate(d)), nextCursor };
  }

  async update(id: unknown, patch: Partial<T>, options: CallTimeout = {}): Promise<T | undefined> {
    const set = this.#toDocument(patch, 'update', false);
    const doc = await this.#endpoint.run(
      (maxTimeMS) => this.#collection.findOneAndUpdate({ [this.#key()]: this.#id(id) }, { $set: set }, { returnDocument: 'after', maxTimeMS }),
      options,
    );
    return doc ? this.#hydrate(doc) : undefined;
  }

  async delete(id: unknown, options: CallTimeout = {}): Promise<boolean> {
    const result = await this.#endpoint.run((maxTimeMS) => this.#collection.deleteOne({ [this.#key()]: this.#id(id) }, { maxTimeMS } as object), options);
    return result.deletedCount > 0;
  }

  async count(where?: Where<T>, options: CallTimeout = {}): Promise<number> {
    return this.#endpoint.run((maxTimeMS) => this.#collection.countDocuments(this.#filter(where), { maxTimeMS }), { ...options, idempotent: true });
  }

  async exists(where: Where<T>, options: CallTimeout = {}): Promise<boolean> {
    const doc = await this.#endpoint.run((maxTimeMS) => this.#collection.findOne(this.#filter(where), { projection: { _id: 1 }, maxTimeMS }), { ...options, idempotent: true });
    return doc !== null;
  }

  async upsert(data: Partial<T>, conflictFields: Array<keyof T & string> = [this.#pk.propertyName as keyof T & string], options: CallTimeout = {}): Promise<T> {
    const doc = this.#toDocument(data, 'upsert', false);
    const match: Document = {};
    for (const field of conflictFields) {
      const column = columnFor(this.metadata, field, 'conflict field');
      if (doc[column.databaseName] === undefined) throw new InvalidQueryError(`upsert needs a value for conflict field "${field}"`);
      match[column.databaseName] = doc[column.databaseName];
    }
    const defaults = this.#defaults(data);
    const result = await this.#endpoint.run(
      (maxTimeMS) => this.#collection.findOneAndUpdate(match, { $set: doc, $setOnInsert: defaults }, { upsert: true, returnDocument: 'after', maxTimeMS }),
      options,
    );
    return this.#hydrate(result!);
  }

  async updateWithLock(id: unknown, change: (current: T) => Partial<T> | Promise<Partial<T>>, options: LockOptions & CallTimeout = {}): Promise<T> {
    const deadline = Date.now() + (options.nowait || options.skipLocked ? 0 : (options.lockTimeoutMs ?? 5_000));
    for (;;) {
      const current = await this.#endpoint.run((maxTimeMS) => this.#collection.findOne({ [this.#key()]: this.#id(id) }, { maxTimeMS }), { ...options, idempotent: true });
      if (!current) throw new NotFoundError(`${this.metadata.name} ${String(id)} not found`);
      const set = this.#toDocument(await change(this.#hydrate(current)), 'update', false);
      // Applies only if nobody changed the document since it was read (every field still equal).
      const updated = await this.#endpoint.run((maxTimeMS) => this.#collection.findOneAndUpdate(current, { $set: set }, { returnDocument: 'after', maxTimeMS }), options);
      if (updated) return this.#hydrate(updated);
      if (options.skipLocked) throw new NotFoundError(`${this.metadata.name} ${String(id)} was being changed and was skipped`);
      if (Date.now() >= deadline) throw new LockTimeoutError(`${this.metadata.name} ${String(id)} kept changing; gave up after the lock timeout`);
    }
  }

  async bulkLoad(rows: AsyncIterable<Partial<T>> | Iterable<Partial<T>>, options: BulkLoadOptions = {}): Promise<number> {
    const every = options.progressEvery ?? 10_000;
    let batch: Document[] = [];
    let count = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const docs = batch;
      batch = [];
      await this.#endpoint.run(() => this.#collection.insertMany(docs, { ordered: true }), { timeoutMs: options.timeoutMs ?? 600_000 });
    };
    for await (const row of rows as AsyncIterable<Partial<T>>) {
      batch.push(this.#toDocument(row, 'bulk load', true));
      count++;
      if (count % every === 0) options.onProgress?.({ rows: count });
      if (batch.length === 1_000) await flush();
    }
    await flush();
    options.onProgress?.({ rows: count });
    return count;
  }

  #key(): string {
    return this.#pk.databaseName;
  }

  #id(id: unknown): unknown {
    if (this.metadata.objectIdColumn && typeof id === 'string') {
      if (!ObjectId.isValid(id)) throw new InvalidQueryError(`"${id}" is not an ObjectId`);
      return new ObjectId(id);
    }
    return id;
  }

  #revive(value: unknown, column: ColumnMetadata): unknown {
    return column === this.metadata.objectIdColumn && typeof value === 'string' ? new ObjectId(value) : value instanceof Object && 'date' in value ? new Date((value as { date: string }).date) : value;
  }

  #filter(where: Where<T> | undefined): Document {
    if (where === undefined) return {};
    if (typeof where !== 'object' || where === null) throw new InvalidQueryError('where must be an object of field conditions');
    const filter: MongoFilter<Document> = {};
    for (const [property, condition] of Object.entries(where)) {
      if (condition === undefined) continue;
      const column = columnFor(this.metadata, property, 'filter field');
      if (condition !== null && typeof condition === 'object' && !(condition instanceof Date) && !(condition instanceof ObjectId) && Object.keys(condition).some((k) => k.startsWith('$'))) {
        const ops: Document = {};
        for (const [op, operand] of Object.entries(condition)) {
          if (!OPERATORS.has(op)) throw new InvalidQueryError(`unknown operator "${op}" on "${property}"; use $gt $gte $lt $lte $ne $in or a plain value`);
          if (op === '$in' && (!Array.isArray(operand) || operand.length === 0)) throw new InvalidQueryError(`$in on "${property}" needs a non-empty array`);
          ops[op] = op === '$in' ? (operand as unknown[]).map((v) => this.#value(v, column)) : this.#value(operand, column);
        }
        filter[column.databaseName] = ops;
      } else {
        filter[column.databaseName] = this.#value(condition, column);
      }
    }
    return filter;
  }

  /** A value as stored: ObjectIds for the id column, everything else as the driver takes it (never an operator object). */
  #value(value: unknown, column: ColumnMetadata): unknown {
    if (column === this.metadata.objectIdColumn) return this.#id(value);
    if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value)) {
      throw new InvalidQueryError(`"${column.propertyName}" takes a plain value here, not an object`);
    }
    return value;
  }

  #toDocument(data: Partial<T>, what: string, withDefaults: boolean): Document {
    if (typeof data !== 'object' || data === null) throw new InvalidQueryError(`${what} takes an object of fields`);
    const doc: Document = withDefaults ? this.#defaults(data) : {};
    for (const [property, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const column = columnFor(this.metadata, property, `${what} field`);
      doc[column.databaseName] = this.#value(value, column);
    }
    return doc;
  }

  /** Column defaults and creation dates for fields the caller left out. */
  #defaults(data: Partial<T>): Document {
    const doc: Document = {};
    for (const column of this.metadata.columns) {
      if ((data as Record<string, unknown>)[column.propertyName] !== undefined || column === this.metadata.objectIdColumn) continue;
      if (column.isCreateDate || column.isUpdateDate) doc[column.databaseName] = new Date();
      else if (column.default !== undefined && typeof column.default !== 'function') doc[column.databaseName] = column.default;
      else if (column.isNullable) doc[column.databaseName] = null;
    }
    return doc;
  }

  #hydrate(doc: Document): T {
    const entity: Record<string, unknown> = {};
    for (const column of this.metadata.columns) {
      const value = doc[column.databaseName];
      entity[column.propertyName] = column === this.metadata.objectIdColumn && value instanceof ObjectId ? value.toHexString() : (value ?? null);
    }
    return entity as T;
  }
}

/** ObjectIds as hex, Dates as `{ date }` (so they are revived as Dates, not compared as strings). */
function cursorJson(value: unknown): unknown {
  return value instanceof ObjectId ? value.toHexString() : value instanceof Date ? { date: value.toISOString() } : value;
}
