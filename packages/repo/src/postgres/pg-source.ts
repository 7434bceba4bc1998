import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ConnectionSource, SqlConnection } from '../sql-connection';

/** Pool settings (defaults from the seed: 20 connections, 30 s acquire, recycle after an hour). */
export interface PgPoolOptions {
  max?: number;
  acquireTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Close a connection this many seconds after it was opened (recycling). */
  maxLifetimeSeconds?: number;
  /** Validate a connection that sat idle this long before lending it (SELECT 1), ms (default 30,000). */
  validateAfterIdleMs?: number;
}

/** Resolved pool settings. */
export function pgPoolSettings(options: PgPoolOptions = {}): Required<PgPoolOptions> {
  return {
    max: options.max ?? 20,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 30_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 3_600,
    validateAfterIdleMs: options.validateAfterIdleMs ?? 30_000,
  };
}

/** node-postgres Pool options for these settings. */
export function pgPoolConfig(url: string, settings: Required<PgPoolOptions>): pg.PoolConfig {
  return {
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: settings.maxLifetimeSeconds,
  };
}

interface Tracked {
  lastUsed: number;
  /** The connection object for this client, made once. */
  connection: SqlConnection;
}

/** The `SqlConnection` of one pooled client (its session statement_timeout remembered). */
function wrap(client: pg.PoolClient): SqlConnection {
  let timeoutMs: number | undefined;
  return {
    pid: (client as unknown as { processID?: number }).processID,
    async query<R>(sql: string, params: unknown[] = [], name?: string): Promise<R[]> {
      const result = await client.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
      return result.rows as R[];
    },
    async copyFrom(sql: string, csv: AsyncIterable<string>) {
      await pipeline(Readable.from(csv), client.query(copyFrom(sql)));
    },
    async setStatementTimeout(ms: number) {
      if (timeoutMs === ms) return;
      await client.query(`SET statement_timeout = ${Math.max(1, Math.round(ms))}`);
      timeoutMs = ms;
    },
  };
}

/**
 * Connections from a node-postgres pool (TypeORM's own pool for the primary, a plain pool for a
 * replica). Each connection remembers its session `statement_timeout`, so a call that needs another
 * value costs one `SET`, and one idle for long is validated before it is lent out.
 */
export class PgSource implements ConnectionSource {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #validateAfterIdleMs: number;
  readonly #owned: boolean;
  readonly #state = new WeakMap<pg.PoolClient, Tracked>();

  constructor(pool: pg.Pool, url: string, settings: Required<PgPoolOptions>, owned: boolean) {
    this.#pool = pool;
    this.#url = url;
    this.#validateAfterIdleMs = settings.validateAfterIdleMs;
    this.#owned = owned;
    // An idle connection the server drops (restart, failover) is an 'error' event on the pool: without
    // a listener it would crash the process. The pool discards that client; the next checkout reconnects.
    pool.on('error', () => undefined);
  }

  async acquire(): Promise<{ connection: SqlConnection; release(broken?: boolean): void }> {
    let client = await this.#pool.connect();
    let state = this.#state.get(client);
    if (state && Date.now() - state.lastUsed > this.#validateAfterIdleMs) {
      try {
        await client.query('SELECT 1');
      } catch {
        client.release(true);
        client = await this.#pool.connect();
        state = this.#state.get(client);
      }
    }
    if (!state) {
      state = { lastUsed: Date.now(), connection: wrap(client) };
      this.#state.set(client, state);
    }
    const tracked = state;
    const held = client;
    return {
      connection: tracked.connection,
      release: (broken = false) => {
        tracked.lastUsed = Date.now();
        held.release(broken);
      },
    };
  }

  /** Cancels through a fresh connection: the pool may be exhausted by the very query being cancelled. */
  async cancel(pid: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  stats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }
}
