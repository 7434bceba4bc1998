import type Database from 'better-sqlite3';
import type { ConnectionSource, SqlConnection } from '../sql-connection';

/**
 * SQLite has one connection (better-sqlite3 is synchronous): callers take turns on it, in order, so a
 * transaction is never interleaved with another caller's statements. `waiting` counts the queue.
 */
export class SqliteSource implements ConnectionSource {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  #turn: Promise<void> = Promise.resolve();
  #waiting = 0;
  #busy = false;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async acquire(waitMs?: number): Promise<{ connection: SqlConnection; release(broken?: boolean): void }> {
    this.#waiting++;
    const previous = this.#turn;
    let done!: () => void;
    this.#turn = new Promise<void>((resolve) => (done = resolve));
    try {
      await (waitMs === undefined ? previous : withinWait(previous, waitMs));
    } catch (error) {
      // Gave up waiting: keep the queue intact by passing the turn on once it comes.
      void previous.then(done);
      throw error;
    } finally {
      this.#waiting--;
    }
    this.#busy = true;
    const connection: SqlConnection = {
      pid: undefined,
      query: async <R>(sql: string, params: unknown[] = []): Promise<R[]> => {
        const statement = this.#prepare(sql);
        const values = params.map(toSqlite);
        if (statement.reader) return statement.all(...values) as R[];
        statement.run(...values);
        return [];
      },
    };
    return {
      connection,
      release: () => {
        this.#busy = false;
        done();
      },
    };
  }

  async cancel(): Promise<void> {}

  stats(): { total: number; idle: number; waiting: number } {
    return { total: 1, idle: this.#busy ? 0 : 1, waiting: this.#waiting };
  }

  async close(): Promise<void> {}

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null only. */
function toSqlite(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/** Waits for `turn` at most `ms`; then fails like SQLite does when a lock is not granted in time. */
async function withinWait(turn: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`database is locked (waited ${ms} ms)`), { code: 'SQLITE_BUSY' })), ms);
  });
  try {
    await Promise.race([turn, expired]);
  } finally {
    clearTimeout(timer);
  }
}
