import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { raceExpiry, settleWithin, type Expiry } from '../deadline-clock';
import { QueryTimeoutError } from '../errors';
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
  /** Longest wait for a new connection's handshake, and for the server at start-up, ms (default 10,000). */
  connectTimeoutMs?: number;
}

/** Resolved pool settings. */
export function pgPoolSettings(options: PgPoolOptions = {}): Required<PgPoolOptions> {
  return {
    max: options.max ?? 20,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 30_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 3_600,
    validateAfterIdleMs: options.validateAfterIdleMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
}

/** node-postgres Pool options for these settings. */
export function pgPoolConfig(url: string, settings: Required<PgPoolOptions>): pg.PoolConfig {
  return {
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: Math.min(settings.acquireTimeoutMs, settings.connectTimeoutMs),
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: settings.maxLifetimeSeconds,
  };
}

interface Tracked {
  lastUsed: number;
  /** The connection object for this client, made once. */
  connection: SqlConnection;
}

/** Drops a client's socket at once: pending queries fail with "Connection terminated", no goodbye is awaited. */
function destroySocket(client: pg.Client | pg.PoolClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
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
    destroy: () => destroySocket(client),
    setStatementTimeout(ms: number) {
      if (timeoutMs === ms) return undefined;
      return client.query(`SET statement_timeout = ${Math.max(1, Math.round(ms))}`).then(() => void (timeoutMs = ms));
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
  readonly #connectTimeoutMs: number;
  readonly #owned: boolean;
  readonly #state = new WeakMap<pg.PoolClient, Tracked>();
  #closed = false;

  constructor(pool: pg.Pool, url: string, settings: Required<PgPoolOptions>, owned: boolean) {
    this.#pool = pool;
    this.#url = url;
    this.#validateAfterIdleMs = settings.validateAfterIdleMs;
    this.#connectTimeoutMs = settings.connectTimeoutMs;
    this.#owned = owned;
    // An idle connection the server drops (restart, failover) is an 'error' event on the pool: without
    // a listener it would crash the process. The pool discards that client; the next checkout reconnects.
    pool.on('error', () => undefined);
  }

  async acquire(_waitMs?: number, expiry?: Expiry): Promise<{ connection: SqlConnection; release(broken?: boolean): void }> {
    let client = await this.#connect(expiry);
    let state = this.#state.get(client);
    if (state && Date.now() - state.lastUsed > this.#validateAfterIdleMs) {
      const alive = await settleWithin(client.query('SELECT 1'), Math.min(this.#connectTimeoutMs, 2_000));
      if (alive === 'pending' || 'error' in alive) {
        destroySocket(client);
        client.release(true);
        client = await this.#connect(expiry);
        state = this.#state.get(client);
      }
    }
    if (!state) {
      // A checked-out client whose socket dies emits 'error' besides failing its query; the pool only
      // listens while the client is idle, so without this listener the process would crash.
      client.on('error', () => undefined);
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

  /**
   * A pooled client, or a `QueryTimeoutError` at the deadline (a client that arrives later goes
   * straight back). The pool serves waiters in order, idle clients first: a call that finds more idle
   * clients than waiters ahead of it gets one at once, so only the others (a new connection, or a wait
   * for a busy one) are raced against the deadline.
   */
  async #connect(expiry: Expiry | undefined): Promise<pg.PoolClient> {
    const servedAtOnce = this.#pool.idleCount > this.#pool.waitingCount;
    const connecting = this.#pool.connect();
    if (!expiry || servedAtOnce) return connecting;
    const first = await raceExpiry(connecting, expiry);
    if (first !== 'expired') return first.value;
    connecting.then((late) => late.release(), () => undefined);
    throw new QueryTimeoutError('no connection could be made before the deadline; nothing was sent');
  }

  /**
   * Cancels through a fresh connection (the pool may be exhausted by the very query being cancelled),
   * giving up after `withinMs`: on a network that does not answer, the cancel does not either.
   */
  async cancel(pid: number, withinMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: withinMs });
    client.on('error', () => undefined);
    const attempt = (async () => {
      await client.connect();
      await client.query('SELECT pg_cancel_backend($1)', [pid]);
    })();
    const outcome = await settleWithin(attempt, withinMs);
    destroySocket(client);
    if (outcome === 'pending') throw new Error(`cancel of backend ${pid} got no answer within ${withinMs} ms`);
    if ('error' in outcome) throw outcome.error;
  }

  stats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async close(): Promise<void> {
    if (!this.#owned || this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
