/** A call waiting on the clock: when it is due, and what to do then. */
interface Pending {
  due: number;
  expire: () => void;
}

/**
 * One coarse timer for every call's client-side deadline, instead of a `setTimeout` and a
 * `Promise.race` per statement (which cost about a tenth of a `getById`). It ticks every `resolutionMs`
 * only while calls are waiting, so a deadline fires up to that much late. The server's own
 * `statement_timeout` (set to the same value) is the precise stop; this one covers a server or network
 * that stops answering.
 */
export class DeadlineClock {
  readonly #pending = new Set<Pending>();
  readonly #resolutionMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(resolutionMs = 25) {
    this.#resolutionMs = resolutionMs;
  }

  /** Resolves with the work's result, or with `expired` once `timeoutMs` has passed. */
  race<T>(work: Promise<T>, timeoutMs: number): Promise<{ value: T } | 'expired'> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { due: Date.now() + timeoutMs, expire: () => resolve('expired') };
      this.#pending.add(entry);
      this.#timer ??= setInterval(() => this.#tick(), this.#resolutionMs).unref();
      work.then(
        (value) => {
          this.#pending.delete(entry);
          resolve({ value });
        },
        (error: unknown) => {
          this.#pending.delete(entry);
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
