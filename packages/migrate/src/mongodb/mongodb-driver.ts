import { randomBytes, randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, type ClientSession, type Db } from 'mongodb';
import type { HeldLock, HistoryWriter, LockOptions, MigrationDriver, Work } from '../driver';
import { InvalidMigrationError, MigrationLockedError, MigrationLockLostError, UnsupportedOperationError } from '../errors';
import type { HistoryRow, MigrationContext } from '../migration';
import type { SchemaSnapshot } from '../schema-snapshot';

/** Options of the MongoDB driver. */
export interface MongoDriverOptions {
  /** Connection string (the driver owns the client), or a connected client you own. */
  url?: string;
  client?: MongoClient;
  /** Database to migrate (default: the one in the URL). */
  database?: string;
  /** History collection (default `core_migrations`); the lock lives in `<collection>_lock`. */
  collection?: string;
  /** How long a lock survives a crashed holder, ms (default 60,000); the holder renews it meanwhile. */
  lockTtlMs?: number;
  /** Run each migration in a transaction (needs a replica set or sharded cluster; default false). */
  transactions?: boolean;
}

/** What module migrations receive on MongoDB: the database and, with transactions, the session. */
export interface MongoMigrationContext extends MigrationContext {
  readonly db: Db;
  readonly session: ClientSession | undefined;
}

interface HistoryDoc {
  _id: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
  kind: HistoryRow['kind'];
}

interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/**
 * MongoDB: history in a collection, the lock a document with a TTL (renewed while held, taken over
 * once expired, removed by a TTL index if the holder vanished), migrations as modules receiving `db`.
 * Transactions and rolled-back dry runs need a replica set: enable them with `transactions: true`.
 */
export class MongoDriver implements MigrationDriver {
  readonly dialect = 'mongodb' as const;
  readonly #options: MongoDriverOptions;
  readonly #collection: string;
  #client: MongoClient | undefined;

  constructor(options: MongoDriverOptions) {
    if (!options.url && !options.client) throw new RangeError('MongoDriver needs a url or a client');
    this.#options = options;
    this.#collection = options.collection ?? 'core_migrations';
  }

  async #db(): Promise<Db> {
    if (!this.#client) {
      this.#client = this.#options.client ?? new MongoClient(this.#options.url!, { serverSelectionTimeoutMS: 10_000 });
      if (!this.#options.client) await this.#client.connect();
    }
    return this.#client.db(this.#options.database);
  }

  async ensureHistory(): Promise<void> {
    const db = await this.#db();
    await db.collection<LockDoc>(`${this.#collection}_lock`).createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  }

  async readHistory(): Promise<HistoryRow[]> {
    const docs = await (await this.#db()).collection<HistoryDoc>(this.#collection).find().sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ name: d._id, checksum: d.checksum, appliedAt: d.appliedAt, executionMs: d.executionMs, kind: d.kind }));
  }

  async withLock<T>(options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    const locks = (await this.#db()).collection<LockDoc>(`${this.#collection}_lock`);
    const ttl = this.#options.lockTtlMs ?? 60_000;
    const owner = randomUUID();
    const deadline = Date.now() + (options.wait ? options.timeoutMs : 0);
    let delay = 25;
    for (;;) {
      const expiresAt = new Date(Date.now() + ttl);
      try {
        await locks.insertOne({ _id: this.#collection, owner, expiresAt });
        break;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
      }
      // Take over a lock whose holder stopped renewing it (the TTL monitor runs only once a minute).
      const taken = await locks.findOneAndUpdate({ _id: this.#collection, expiresAt: { $lt: new Date() } }, { $set: { owner, expiresAt } });
      if (taken) break;
      if (Date.now() >= deadline) {
        const holder = await locks.findOne({ _id: this.#collection });
        throw new MigrationLockedError(`lock document held by ${holder?.owner ?? 'unknown'} until ${holder?.expiresAt.toISOString() ?? '?'}`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 500);
    }
    const renew = setInterval(() => {
      void locks.updateOne({ _id: this.#collection, owner }, { $set: { expiresAt: new Date(Date.now() + ttl) } }).catch(() => undefined);
    }, Math.max(1_000, ttl / 3));
    try {
      return await fn({
        // Renewals may have failed long enough for another runner to take the lock over.
        assertHeld: async () => {
          if (!(await locks.findOne({ _id: this.#collection, owner }))) throw new MigrationLockLostError(`lock document ${this.#collection} is no longer owned by this runner`);
        },
      });
    } finally {
      clearInterval(renew);
      await locks.deleteOne({ _id: this.#collection, owner });
    }
  }

  async unitOfWork(options: { transaction: boolean }, fn: (work: Work) => Promise<void>): Promise<void> {
    const db = await this.#db();
    if (!(options.transaction && this.#options.transactions)) return fn(this.#work(db, undefined));
    const session = this.#client!.startSession();
    try {
      await session.withTransaction(() => fn(this.#work(db, session)));
    } finally {
      await session.endSession();
    }
  }

  async rehearse(fn: (work: Work) => Promise<void>, record: (sql: string) => void): Promise<void> {
    if (!this.#options.transactions) {
      throw new UnsupportedOperationError('a dry run on MongoDB runs the migrations in a transaction that is aborted: enable `transactions` (needs a replica set)');
    }
    const db = await this.#db();
    const session = this.#client!.startSession();
    try {
      session.startTransaction();
      await fn(this.#work(db, session, record));
    } finally {
      if (session.inTransaction()) await session.abortTransaction();
      await session.endSession();
    }
  }

  #work(db: Db, session: ClientSession | undefined, record?: (sql: string) => void): Work {
    const history = db.collection<HistoryDoc>(this.#collection);
    const sqlNotSupported = async () => {
      throw new InvalidMigrationError('SQL migrations cannot run on MongoDB: write a module migration that uses `db`');
    };
    const context: MongoMigrationContext = {
      dialect: 'mongodb',
      db,
      session,
      execute: sqlNotSupported,
      query: sqlNotSupported,
    };
    const writer: HistoryWriter = {
      async insert(row) {
        record?.(`history: insert ${row.name}`);
        await history.insertOne({ _id: row.name, checksum: row.checksum, appliedAt: new Date(), executionMs: row.executionMs, kind: row.kind }, { session });
      },
      async remove(name) {
        await history.deleteOne({ _id: name }, { session });
      },
      async updateChecksum(name, sum) {
        await history.updateOne({ _id: name }, { $set: { checksum: sum } }, { session });
      },
    };
    return { context, history: writer };
  }

  async snapshot(): Promise<SchemaSnapshot> {
    const db = await this.#db();
    const skip = new Set([this.#collection, `${this.#collection}_lock`]);
    const collections = (await db.listCollections({}, { nameOnly: false }).toArray()).filter((c) => !skip.has(c.name));
    const indexes: string[] = [];
    for (const c of collections) {
      if (c.type === 'view') continue;
      for (const index of await db.collection(c.name).listIndexes().toArray()) {
        indexes.push(`${c.name}: ${index.name} ${JSON.stringify(index.key)}${index.unique ? ' unique' : ''}`);
      }
    }
    return {
      tables: collections.map((c) => `${c.name} ${c.type ?? 'collection'}`).sort(),
      columns: [],
      indexes: indexes.sort(),
      constraints: collections.map((c) => `${c.name}: ${JSON.stringify((c as { options?: { validator?: unknown } }).options?.validator ?? null)}`).sort(),
    };
  }

  async scratch(): Promise<{ driver: MigrationDriver; drop(): Promise<void> }> {
    await this.#db();
    const database = `core_verify_${randomBytes(4).toString('hex')}`;
    const driver = new MongoDriver({ ...this.#options, client: this.#client!, database });
    return { driver, drop: async () => void (await this.#client!.db(database).dropDatabase()) };
  }

  async close(): Promise<void> {
    if (!this.#options.client) await this.#client?.close();
    this.#client = undefined;
  }
}
