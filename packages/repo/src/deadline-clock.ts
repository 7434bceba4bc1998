/** A call waiting on the clock: when it is due, and what to do then. */
interface Pending {
  due: number;
  expire: () => void;
}

/**
 * One coarse timer for every call's client-side deadline, instead of a `setTimeout` per statement
 * (which cost about a tenth of a `getById`). It ticks every `resolutionMs` only while calls are
 * waiting, so a deadline fires up to that much late. The server's own `statement_timeout` (set to the
 * same value) is the precise stop; this one covers a server or network that stops answering.
 */
export class DeadlineClock {
  readonly #pending = new Set<Pending>();
  readonly #resolutionMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(resolutionMs = 25) {
    this.#resolutionMs = resolutionMs;
  }

  /** Calls `expire` once `timeoutMs` has passed, unless the returned function is called first. */
  schedule(timeoutMs: number, expire: () => void): () => void {
    const entry: Pending = { due: Date.now() + timeoutMs, expire };
    this.#pending.add(entry);
    this.#timer ??= setInterval(() => this.#tick(), this.#resolutionMs).unref();
    return () => this.#pending.delete(entry);
  }

  /** Resolves with the work's result, or with `expired` once `timeoutMs` has passed. */
  race<T>(work: Promise<T>, timeoutMs: number): Promise<{ value: T } | 'expired'> {
    return new Promise((resolve, reject) => {
      const cancel = this.schedule(timeoutMs, () => resolve('expired'));
      work.then(
        (value) => {
          cancel();
          resolve({ value });
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  #tick(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.due > now) continue;
      this.#pending.delete(entry);
      entry.expire();
    }
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** One call's deadline: an AbortSignal the shared clock fires when the call's time is up. */
export class CallDeadline {
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #cancel: () => void;

  constructor(clock: DeadlineClock, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.#cancel = clock.schedule(timeoutMs, () => this.#controller.abort());
  }

  /** Aborted once the deadline has passed. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Resolves with the work's result, or with `expired` when the deadline passes first. */
  race<T>(work: Promise<T>): Promise<{ value: T } | 'expired'> {
    if (this.expired) return Promise.resolve('expired');
    return new Promise((resolve, reject) => {
      const onAbort = () => resolve('expired');
      this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve({ value });
        },
        (error: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Stops the clock for this call (it ended). */
  clear(): void {
    this.#cancel();
  }
}

/** Settles with the work's outcome, or `pending` if it has not settled after `ms`. */
export function settleWithin<T>(work: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'pending'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('pending'), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}
