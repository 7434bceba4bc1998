import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { DeadlineClock } from './deadline-clock';
import type { Dialect } from './dialect';
import { BulkheadFullError, CircuitOpenError, DatabaseUnavailableError, LockTimeoutError, QueryTimeoutError } from './errors';
import { LeakTracker, type Origin } from './leak-tracker';
import type { ConnectionSource, SqlConnection } from './sql-connection';

/** Resilience settings of one endpoint (the primary, or one replica). */
export interface EndpointOptions {
  /** Default deadline of a call, ms (default 30,000). */
  timeoutMs?: number;
  /** Consecutive connection-level failures that open the breaker (default 5). */
  failureThreshold?: number;
  /** How long the breaker stays open before a half-open trial, ms (default 5,000). */
  halfOpenAfterMs?: number;
  /** Calls running at once (default: the pool size); more wait in a queue of `bulkheadQueue`. */
  bulkhead?: number;
  /** Calls allowed to wait for a bulkhead slot (default 1,000). */
  bulkheadQueue?: number;
  /** Retries of safe calls (reads) after a connection failure (default 2). */
  readRetries?: number;
}

/** Health and load of an endpoint, for `/readyz` and the monitor. */
export interface EndpointStats {
  name: string;
  breaker: 'closed' | 'open' | 'half-open';
  pool: { total: number; idle: number; waiting: number; checkedOut: number; max: number; utilisation: number };
}

/** How a call runs: its deadline, and whether it is safe to retry. */
export interface CallOptions {
  timeoutMs?: number;
  /** Reads only: retried after connection failures. */
  idempotent?: boolean;
  /** Longest wait for a connection, where waiting for it is waiting for a lock (SQLite). */
  acquireWaitMs?: number;
  /** Name of a single generated statement; without it the caller's stack is captured for leak reports. */
  statement?: string;
}

const STATES = ['closed', 'open', 'half-open', 'open'] as const;

/** Client-side deadlines of every endpoint share one coarse timer. */
const clock = new DeadlineClock();

/**
 * One database endpoint: its connections, a cockatiel circuit breaker (counting connection-level
 * failures only: a constraint violation says nothing about the server's health), a bulkhead, retries
 * for reads, deadlines that cancel the statement on the server, and leak tracking. Every checkout
 * is released in `finally`.
 */
export class Endpoint {
  readonly name: string;
  readonly dialect: Dialect;
  readonly leaks: LeakTracker;
  readonly #source: ConnectionSource;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #write: IPolicy;
  readonly #read: IPolicy;
  readonly #timeoutMs: number;
  readonly #max: number;

  constructor(name: string, source: ConnectionSource, dialect: Dialect, poolMax: number, options: EndpointOptions = {}) {
    this.name = name;
    this.dialect = dialect;
    this.#source = source;
    this.#max = poolMax;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.leaks = new LeakTracker(name);
    const connectionFailure = handleWhen((e) => dialect.isConnectionError(e));
    this.#breaker = circuitBreaker(connectionFailure, {
      halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
      breaker: new ConsecutiveBreaker(options.failureThreshold ?? 5),
    });
    const limit = bulkhead(options.bulkhead ?? poolMax, options.bulkheadQueue ?? 1_000);
    this.#write = wrap(this.#breaker, limit);
    const retries = retry(connectionFailure, { maxAttempts: options.readRetries ?? 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }) });
    this.#read = wrap(retries, this.#breaker, limit);
  }

  /** Breaker state right now. */
  get breakerState(): EndpointStats['breaker'] {
    return STATES[this.#breaker.state];
  }

  /** Runs `fn` on a checked-out connection under the breaker, bulkhead and deadline. */
  async run<T>(fn: (connection: SqlConnection) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const policy = options.idempotent ? this.#read : this.#write;
    const origin = options.statement ?? LeakTracker.callSite();
    try {
      return await policy.execute(() => this.#withConnection(fn, options.timeoutMs ?? this.#timeoutMs, options.acquireWaitMs, origin));
    } catch (error) {
      throw this.#translate(error);
    }
  }

  stats(): EndpointStats {
    const pool = this.#source.stats();
    const checkedOut = Math.max(pool.total - pool.idle, this.leaks.checkedOut);
    return {
      name: this.name,
      breaker: this.breakerState,
      pool: { ...pool, checkedOut, max: this.#max, utilisation: Math.round((checkedOut / this.#max) * 1000) / 10 },
    };
  }

  async close(): Promise<void> {
    await this.#source.close();
  }

  async #withConnection<T>(fn: (connection: SqlConnection) => Promise<T>, timeoutMs: number, acquireWaitMs: number | undefined, origin: Origin): Promise<T> {
    const { connection, release } = await this.#source.acquire(acquireWaitMs);
    const ticket = this.leaks.checkout(origin);
    let broken = false;
    try {
      await connection.setStatementTimeout?.(timeoutMs);
      return await this.#deadline(connection, fn(connection), timeoutMs, () => (broken = true));
    } catch (error) {
      if (this.dialect.isConnectionError(error)) broken = true;
      throw error;
    } finally {
      this.leaks.release(ticket);
      release(broken);
    }
  }

  /**
   * Races the work against the deadline. At the deadline the statement is cancelled on the server
   * (pg_cancel_backend on PostgreSQL) and the call waits for the cancelled statement to return, so the
   * connection goes back to the pool idle; if the cancel itself fails, the connection is discarded.
   */
  async #deadline<T>(connection: SqlConnection, work: Promise<T>, timeoutMs: number, discard: () => void): Promise<T> {
    // Nothing to cancel (SQLite runs statements synchronously): the connection stays with the work
    // until it ends, so a transaction that overran is never interleaved with the next caller.
    if (connection.pid === undefined) return work;
    const first = await clock.race(work, timeoutMs);
    if (first !== 'expired') return first.value;
    await this.#source.cancel(connection.pid).catch(() => discard());
    await work.catch(() => undefined);
    throw new QueryTimeoutError(`query on ${this.name} exceeded its ${timeoutMs} ms deadline and was cancelled`);
  }

  #translate(error: unknown): Error {
    if (error instanceof BrokenCircuitError) return new CircuitOpenError(`${this.name}: circuit open after repeated connection failures`, { cause: error });
    if (error instanceof BulkheadRejectedError) return new BulkheadFullError(`${this.name}: too many calls running and queued`, { cause: error });
    if (this.dialect.isStatementTimeout(error)) return new QueryTimeoutError(`${this.name}: the server cancelled the statement at its statement_timeout`, { cause: error });
    if (this.dialect.isLockTimeout(error)) return new LockTimeoutError(`${this.name}: ${(error as Error).message}`, { cause: error });
    if (this.dialect.isConnectionError(error)) return new DatabaseUnavailableError(`${this.name}: ${(error as Error).message}`, { cause: error });
    return error as Error;
  }
}
