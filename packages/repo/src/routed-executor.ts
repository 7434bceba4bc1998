import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { CircuitOpenError, DatabaseUnavailableError } from './errors';
import type { CallOptions, Endpoint } from './endpoint';
import type { Executor, TransactionOptions } from './executor';
import type { ReplicaSet } from './replica-set';
import type { SqlConnection } from './sql-connection';
import { TransactionExecutor } from './transaction-executor';

/** When a context last wrote, for read-your-writes. */
export interface WriteContext {
  lastWriteAt: number;
}

/** Options of routing. */
export interface RoutingOptions {
  /** After a write, this context reads from the primary for this long, ms (default 2,000). */
  readYourWritesMs?: number;
  /** Every read goes to the primary. */
  primaryOnly?: boolean;
}

/**
 * Routes calls: writes and transactions to the primary; reads outside a transaction to a healthy
 * replica unless this context wrote within the read-your-writes window (or `primaryOnly`). A replica
 * that fails or whose breaker is open is skipped and the read goes to the next one, then the primary.
 */
export class RoutedExecutor implements Executor {
  readonly dialect;

  constructor(
    private readonly primary: Endpoint,
    private readonly replicas: ReplicaSet,
    private readonly context: WriteContext,
    private readonly options: RoutingOptions,
  ) {
    this.dialect = primary.dialect;
  }

  async read<T>(fn: (connection: SqlConnection) => Promise<T>, options: CallOptions = {}): Promise<T> {
    if (!this.options.primaryOnly && Date.now() - this.context.lastWriteAt >= (this.options.readYourWritesMs ?? 2_000)) {
      for (const replica of this.replicas.candidates()) {
        try {
          return await replica.run(fn, { ...options, idempotent: false });
        } catch (error) {
          if (!(error instanceof DatabaseUnavailableError || error instanceof CircuitOpenError)) throw error;
          // a dead replica: the read moves on
        }
      }
    }
    return this.primary.run(fn, { ...options, idempotent: true });
  }

  async write<T>(fn: (connection: SqlConnection) => Promise<T>, options: CallOptions = {}): Promise<T> {
    try {
      return await this.primary.run(fn, { ...options, idempotent: false });
    } finally {
      this.context.lastWriteAt = Date.now();
    }
  }

  /**
   * A transaction on one primary connection, retried whole (with backoff) after a serialization
   * failure or deadlock — never after anything else.
   */
  async transaction<T>(fn: (connection: SqlConnection, executor: Executor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const dialect = this.dialect;
    // Endpoint errors keep the driver's error as `cause`.
    const policy = retry(handleWhen((e) => dialect.isRetryableTransactionError(e) || dialect.isRetryableTransactionError(e.cause)), {
      maxAttempts: options.retries ?? 3,
      backoff: new ExponentialBackoff({ initialDelay: 20, maxDelay: 500 }),
    });
    try {
      return await policy.execute(() =>
        this.primary.run(
          (connection) => {
            const tx = new TransactionExecutor(connection, dialect);
            return tx.run(() => fn(connection, tx), options);
          },
          { timeoutMs: options.timeoutMs, acquireWaitMs: options.acquireWaitMs },
        ),
      );
    } finally {
      this.context.lastWriteAt = Date.now();
    }
  }
}
