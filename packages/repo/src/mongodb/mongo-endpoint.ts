import { BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, ExponentialBackoff, bulkhead, circuitBreaker, handleWhen, retry, wrap, type CircuitBreakerPolicy, type IPolicy } from 'cockatiel';
import { DeadlineClock } from '../deadline-clock';
import type { CallOptions, EndpointOptions, EndpointStats } from '../endpoint';
import { BulkheadFullError, CircuitOpenError, DatabaseUnavailableError, QueryTimeoutError } from '../errors';

const CONNECTION_ERRORS = new Set(['MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoTopologyClosedError', 'MongoNotConnectedError']);
const STATES = ['closed', 'open', 'half-open', 'open'] as const;
const clock = new DeadlineClock();

/** True for failures of the connection or server selection rather than of the operation. */
export function isMongoConnectionError(error: unknown): boolean {
  return CONNECTION_ERRORS.has((error as Error | undefined)?.name ?? '');
}

/**
 * The MongoDB endpoint: the same cockatiel breaker (connection failures only), bulkhead and read
 * retries as the SQL endpoints, and deadlines the server enforces (`maxTimeMS` on every operation,
 * MaxTimeMSExpired becoming `QueryTimeoutError`) with a client-side backstop.
 */
export class MongoEndpoint {
  readonly #breaker: CircuitBreakerPolicy;
  readonly #write: IPolicy;
  readonly #read: IPolicy;
  readonly #timeoutMs: number;
  readonly #max: number;
  #inFlight = 0;

  constructor(
    readonly name: string,
    poolMax: number,
    options: EndpointOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#max = poolMax;
    const connectionFailure = handleWhen(isMongoConnectionError);
    this.#breaker = circuitBreaker(connectionFailure, { halfOpenAfter: options.halfOpenAfterMs ?? 5_000, breaker: new ConsecutiveBreaker(options.failureThreshold ?? 5) });
    const limit = bulkhead(options.bulkhead ?? poolMax, options.bulkheadQueue ?? 1_000);
    this.#write = wrap(this.#breaker, limit);
    this.#read = wrap(retry(connectionFailure, { maxAttempts: options.readRetries ?? 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }) }), this.#breaker, limit);
  }

  /** Runs one operation, handing it its `maxTimeMS`. */
  async run<T>(fn: (maxTimeMS: number) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    try {
      return await (options.idempotent ? this.#read : this.#write).execute(async () => {
        this.#inFlight++;
        try {
          // The server stops the operation at maxTimeMS; the client gives it a second more to say so.
          const result = await clock.race(fn(timeoutMs), timeoutMs + 1_000);
          if (result === 'expired') throw new QueryTimeoutError(`${this.name}: operation exceeded its ${timeoutMs} ms deadline`);
          return result.value;
        } finally {
          this.#inFlight--;
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new CircuitOpenError(`${this.name}: circuit open after repeated connection failures`, { cause: error });
      if (error instanceof BulkheadRejectedError) throw new BulkheadFullError(`${this.name}: too many calls running and queued`, { cause: error });
      if ((error as { codeName?: string }).codeName === 'MaxTimeMSExpired') throw new QueryTimeoutError(`${this.name}: the server stopped the operation at maxTimeMS`, { cause: error });
      if (isMongoConnectionError(error)) throw new DatabaseUnavailableError(`${this.name}: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  stats(): EndpointStats {
    return {
      name: this.name,
      breaker: STATES[this.#breaker.state],
      // The driver keeps its pool private: operations in flight stand for checked-out connections.
      pool: { total: this.#inFlight, idle: 0, waiting: 0, checkedOut: this.#inFlight, max: this.#max, utilisation: Math.round((this.#inFlight / this.#max) * 1000) / 10 },
    };
  }
}
