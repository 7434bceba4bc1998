import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { WriteBehindError, WriteBehindFullError } from './errors';

/** One queued write. */
export interface WriteBehindItem {
  key: string;
  value: unknown;
}

/** Options of write-behind. */
export interface WriteBehindOptions {
  /** Receives batches of writes; must be idempotent (a batch may be retried). */
  sink: (batch: WriteBehindItem[]) => Promise<void>;
  /** Most writes per batch (default 100). */
  batchSize?: number;
  /** Flush this often, in ms (default 1,000). */
  flushIntervalMs?: number;
  /** Most distinct keys waiting; a write beyond it is refused with `WriteBehindFullError` (default 10,000). */
  maxPending?: number;
  /** Attempts per batch before giving up until the next flush (default 5). */
  maxAttempts?: number;
  /** First retry delay in ms, doubling (default 50). */
  initialDelayMs?: number;
  /** Told about a flush that failed after all attempts (the writes stay queued). */
  onError?: (error: WriteBehindError) => void;
  /** Told about each delivered batch. */
  onFlush?: (count: number) => void;
}

/**
 * Queues writes for a slower store and delivers them in batches with retry. Later writes to a key
 * replace earlier queued ones. Nothing acknowledged is dropped: a batch that fails every attempt goes
 * back in the queue, and `close()` flushes everything or throws.
 */
export class WriteBehindQueue {
  readonly #pending = new Map<string, unknown>();
  readonly #options: Required<Omit<WriteBehindOptions, 'onError' | 'onFlush'>> & Pick<WriteBehindOptions, 'onError' | 'onFlush'>;
  readonly #retry;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  flushed = 0;
  failures = 0;

  constructor(options: WriteBehindOptions) {
    this.#options = { batchSize: 100, flushIntervalMs: 1_000, maxAttempts: 5, initialDelayMs: 50, maxPending: 10_000, ...options };
    this.#retry = retry(handleAll, {
      maxAttempts: this.#options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: this.#options.initialDelayMs, maxDelay: 5_000 }),
    });
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), this.#options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Writes waiting to be delivered. */
  get size(): number {
    return this.#pending.size;
  }

  /** Throws `WriteBehindFullError` unless a write for `key` can be queued (a queued key can always be rewritten). */
  assertRoom(key: string): void {
    if (this.#pending.size >= this.#options.maxPending && !this.#pending.has(key)) throw new WriteBehindFullError(this.#options.maxPending);
  }

  /** Queues a write (see `assertRoom`); a full batch triggers a flush. */
  enqueue(key: string, value: unknown): void {
    this.assertRoom(key);
    this.#pending.delete(key); // re-insert so the newest write goes last
    this.#pending.set(key, value);
    if (this.#pending.size >= this.#options.batchSize) void this.flush().catch(() => undefined);
  }

  /** Delivers everything queued now; rejects with `WriteBehindError` if a batch fails every attempt. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  /** Stops the timer and flushes what is left (throws `WriteBehindError` if the sink still fails). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#flushing?.catch(() => undefined);
    await this.flush();
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch: WriteBehindItem[] = [];
      for (const [key, value] of this.#pending) {
        batch.push({ key, value });
        if (batch.length >= this.#options.batchSize) break;
      }
      for (const item of batch) this.#pending.delete(item.key);
      try {
        await this.#retry.execute(() => this.#options.sink(batch));
      } catch (cause) {
        // Put the batch back unless a newer write for the key arrived meanwhile.
        for (const item of batch) if (!this.#pending.has(item.key)) this.#pending.set(item.key, item.value);
        this.failures++;
        const error = new WriteBehindError(this.#pending.size, { cause });
        this.#options.onError?.(error);
        throw error;
      }
      this.flushed += batch.length;
      this.#options.onFlush?.(batch.length);
    }
  }
}
