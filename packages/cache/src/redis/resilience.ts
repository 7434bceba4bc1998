import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { L2UnavailableError } from '../errors';
import type { BreakerState } from '../tier-stats';

/** How the Redis tier protects callers from a slow or dead server. */
export interface ResilienceOptions {
  /** Every command's deadline in ms (default 500). */
  timeoutMs?: number;
  /** Consecutive failures that open the circuit (default 3). */
  failureThreshold?: number;
  /** How long the circuit stays open before a half-open trial, ms (default 2,000). */
  halfOpenAfterMs?: number;
}


const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** A command overran its deadline. */
class DeadlineExceeded extends Error {}

/** Lets an operation ask whether its caller has already given up on it. */
export type Expired = () => boolean;

/**
 * A cockatiel circuit breaker around a per-command deadline: a command that overruns fails at the
 * deadline (even if the socket never answers) and counts toward opening the circuit; an open circuit
 * fails at once. Every failure surfaces as `L2UnavailableError`.
 *
 * The deadline is hand-written rather than cockatiel's `timeout` policy: that policy derives an
 * AbortController per call and cut L2 throughput at 64 concurrent callers to about a fifth of raw
 * node-redis in our benchmark (see `#withDeadline` for what it does instead).
 */
export class Resilience {
  readonly #breaker;
  #batch: DeadlineBatch | undefined;
  readonly timeoutMs: number;
  timeouts = 0;
  failures = 0;
  rejected = 0;

  constructor(options: ResilienceOptions = {}, onStateChange?: (state: BreakerState) => void) {
    this.timeoutMs = options.timeoutMs ?? 500;
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs ?? 2_000,
      breaker: new ConsecutiveBreaker(options.failureThreshold ?? 3),
    });
    if (onStateChange) this.#breaker.onStateChange((state) => onStateChange(STATE_NAMES[state]));
  }

  /** Current breaker state. */
  get state(): BreakerState {
    return STATE_NAMES[this.#breaker.state];
  }

  /** Runs one Redis operation under the deadline and breaker; `expired()` turns true at the deadline. */
  run<T>(operation: string, fn: (expired: Expired) => Promise<T>): Promise<T> {
    return this.#breaker.execute(() => this.#withDeadline(fn)).catch((error: unknown) => {
      throw this.#failure(operation, error);
    });
  }

  #failure(operation: string, error: unknown): L2UnavailableError {
    if (error instanceof BrokenCircuitError) {
      this.rejected++;
      return new L2UnavailableError(`Redis ${operation} skipped: circuit open after repeated failures`, { cause: error });
    }
    this.failures++;
    if (error instanceof DeadlineExceeded) {
      this.timeouts++;
      return new L2UnavailableError(`Redis ${operation} timed out after ${this.timeoutMs} ms`, { cause: error });
    }
    return new L2UnavailableError(`Redis ${operation} failed: ${(error as Error).message}`, { cause: error });
  }

  /**
   * Commands started in the same tick share one deadline (a batch): one timer and one promise that
   * rejects when it fires, raced by each command. The timer is not cleared when the commands finish
   * early; it fires into settled races and does nothing. At 64 concurrent callers a timer per command
   * cost about a tenth of L2 throughput and a cleared timer per batch still about a fifth; this costs
   * one race per command.
   */
  #withDeadline<T>(fn: (expired: Expired) => Promise<T>): Promise<T> {
    const batch = this.#batch ?? this.#openBatch();
    return Promise.race([fn(batch.expired), batch.deadline]);
  }

  #openBatch(): DeadlineBatch {
    let expired = false;
    const deadline = new Promise<never>((_, reject) => {
      setTimeout(() => {
        expired = true;
        reject(new DeadlineExceeded());
      }, this.timeoutMs).unref();
    });
    deadline.catch(() => undefined); // a batch whose commands all finished in time has no listener left
    const batch: DeadlineBatch = { deadline, expired: () => expired };
    this.#batch = batch;
    queueMicrotask(() => (this.#batch = undefined));
    return batch;
  }
}

/** Commands that started in the same tick and share one deadline. */
interface DeadlineBatch {
  deadline: Promise<never>;
  expired: Expired;
}
