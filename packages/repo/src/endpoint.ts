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
import { CallDeadline, DeadlineClock, settleWithin } from './deadline-clock';
import { driverError, type Dialect } from './dialect';
import { BulkheadFullError, CircuitOpenError, DatabaseUnavailableError, LockTimeoutError, OutcomeUnknownError, QueryTimeoutError, RepoError } from './errors';
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
  /** After the deadline, how long the server's cancel may take before the connection is dropped, ms (default 2,000). */
  cancelGraceMs?: number;
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

/** Connection failures that struck after the caller's statements were sent (a write's outcome is then unknown). */
const sentStatements = new WeakSet<object>();

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
  readonly #cancelGraceMs: number;

  constructor(name: string, source: ConnectionSource, dialect: Dialect, poolMax: number, options: EndpointOptions = {}) {
    this.name = name;
    this.dialect = dialect;
    this.#source = source;
    this.#max = poolMax;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#cancelGraceMs = options.cancelGraceMs ?? 2_000;
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

  /**
   * Runs `fn` on a checked-out connection under the breaker, bulkhead and deadline. The deadline covers
   * the whole call — the wait for a bulkhead slot, for a connection, and the statements — so a stalled
   * network can hold a caller no longer than `timeoutMs` plus the cancel grace.
   */
  async run<T>(fn: (connection: SqlConnection) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const policy = options.idempotent ? this.#read : this.#write;
    const origin = options.statement ?? LeakTracker.callSite();
    const deadline = new CallDeadline(clock, options.timeoutMs ?? this.#timeoutMs);
    let started = false;
    const call = policy.execute(() => {
      started = true;
      // Queued past its deadline, the caller has gone: run nothing.
      if (deadline.expired) throw this.#notSent(deadline);
      return this.#withConnection(fn, deadline, options, origin);
    });
    try {
      // Running already (the usual case): its own deadline handling bounds it. Still queued for a
      // bulkhead slot: the caller gives up at the deadline and the call is dropped when it comes up.
      if (started) return await call;
      const first = await deadline.race(call);
      if (first !== 'expired') return first.value;
      if (started) return await call; // it came up just before the deadline: it bounds itself
      call.catch(() => undefined);
      throw this.#notSent(deadline);
    } catch (error) {
      throw this.#translate(error, options.idempotent === true);
    } finally {
      deadline.clear();
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

  async #withConnection<T>(fn: (connection: SqlConnection) => Promise<T>, deadline: CallDeadline, options: CallOptions, origin: Origin): Promise<T> {
    let lease: Awaited<ReturnType<ConnectionSource['acquire']>>;
    try {
      lease = await this.#source.acquire(options.acquireWaitMs, deadline);
    } catch (error) {
      if (deadline.expired && !this.dialect.isConnectionError(error)) throw this.#notSent(deadline);
      throw error;
    }
    const { connection, release } = lease;
    const ticket = this.leaks.checkout(origin);
    let broken = false;
    let sent = false;
    try {
      // Already set on this connection (the usual case): straight to the statement, no extra promise.
      const setting = connection.setStatementTimeout?.(deadline.timeoutMs);
      const run = () => {
        sent = true;
        return fn(connection);
      };
      const work = setting ? setting.then(run) : run();
      return await this.#awaitWork(connection, work, deadline, options.idempotent === true, () => (broken = true));
    } catch (error) {
      if (this.dialect.isConnectionError(error)) broken = true;
      if (sent && typeof error === 'object' && error !== null) sentStatements.add(error);
      throw error;
    } finally {
      this.leaks.release(ticket);
      release(broken);
    }
  }

  /**
   * Waits for the work until the deadline. Then the statement is cancelled on the server
   * (pg_cancel_backend through a fresh connection) and the call waits up to the cancel grace for it to
   * end: cancelled → `QueryTimeoutError`; finished anyway (a COMMIT that landed) → its result. If
   * nothing comes back within the grace, the network is not answering: the connection is destroyed and
   * the caller learns the truth — a read failed (`DatabaseUnavailableError`), a write may or may not
   * have been applied (`OutcomeUnknownError`).
   */
  async #awaitWork<T>(connection: SqlConnection, work: Promise<T>, deadline: CallDeadline, idempotent: boolean, discard: () => void): Promise<T> {
    // Nothing to cancel (SQLite runs statements synchronously): the connection stays with the work
    // until it ends, so a transaction that overran is never interleaved with the next caller.
    if (connection.pid === undefined) return work;
    const first = await deadline.race(work);
    if (first !== 'expired') return first.value;
    void this.#source.cancel(connection.pid, this.#cancelGraceMs).catch(() => undefined);
    const outcome = await settleWithin(work, this.#cancelGraceMs);
    if (outcome === 'pending') {
      discard();
      connection.destroy?.();
      await work.catch(() => undefined);
      const what = `${this.name} did not answer within the ${deadline.timeoutMs} ms deadline nor the ${this.#cancelGraceMs} ms cancel grace; the connection was dropped`;
      throw idempotent ? new DatabaseUnavailableError(what) : new OutcomeUnknownError(`${what}: the write may or may not have been applied — check before retrying`);
    }
    if ('value' in outcome) return outcome.value;
    if (this.dialect.isStatementTimeout(outcome.error)) {
      throw new QueryTimeoutError(`query on ${this.name} exceeded its ${deadline.timeoutMs} ms deadline and was cancelled on the server`, { cause: outcome.error });
    }
    throw outcome.error;
  }

  #notSent(deadline: CallDeadline): QueryTimeoutError {
    return new QueryTimeoutError(`${this.name}: no connection became free within the ${deadline.timeoutMs} ms deadline; nothing was sent`);
  }

  #translate(error: unknown, idempotent: boolean): Error {
    if (error instanceof RepoError) return error;
    if (error instanceof BrokenCircuitError) return new CircuitOpenError(`${this.name}: circuit open after repeated connection failures`, { cause: error });
    if (error instanceof BulkheadRejectedError) return new BulkheadFullError(`${this.name}: too many calls running and queued`, { cause: error });
    if (this.dialect.isStatementTimeout(error)) return new QueryTimeoutError(`${this.name}: the server cancelled the statement at its statement_timeout`, { cause: error });
    if (this.dialect.isLockTimeout(error)) return new LockTimeoutError(`${this.name}: ${(error as Error).message}`, { cause: error });
    if (this.dialect.isConnectionError(error)) {
      const message = `${this.name}: ${(error as Error).message}`;
      // A write whose connection broke after it was sent may have been applied.
      return idempotent || !sentStatements.has(error as object) ? new DatabaseUnavailableError(message, { cause: error }) : new OutcomeUnknownError(`${message}: the write may or may not have been applied — check before retrying`, { cause: error });
    }
    return driverError(error, this.dialect);
  }
}
