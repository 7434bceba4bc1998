import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  timeout,
  wrap,
} from 'cockatiel';
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

/**
 * A cockatiel circuit breaker around an aggressive timeout: a command that overruns fails at the
 * deadline (even if the socket never answers) and counts toward opening the circuit; an open circuit
 * fails at once. Every failure surfaces as `L2UnavailableError`.
 */
export class Resilience {
  readonly #policy;
  readonly #breaker;
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
    this.#policy = wrap(this.#breaker, timeout(this.timeoutMs, TimeoutStrategy.Aggressive));
  }

  /** Current breaker state. */
  get state(): BreakerState {
    return STATE_NAMES[this.#breaker.state];
  }

  /** Runs one Redis operation under the timeout and breaker; `signal` aborts at the deadline. */
  async run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(({ signal }) => fn(signal));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        this.rejected++;
        throw new L2UnavailableError(`Redis ${operation} skipped: circuit open after repeated failures`, { cause: error });
      }
      this.failures++;
      if (error instanceof TaskCancelledError) {
        this.timeouts++;
        throw new L2UnavailableError(`Redis ${operation} timed out after ${this.timeoutMs} ms`, { cause: error });
      }
      throw new L2UnavailableError(`Redis ${operation} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
