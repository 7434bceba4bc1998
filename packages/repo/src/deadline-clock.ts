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

/** Something that can be told when a call's time is up (what `ConnectionSource.acquire` waits against). */
export interface Expiry {
  readonly expired: boolean;
  /** Calls `listener` once the deadline passes; returns the function that unsubscribes it. */
  onExpire(listener: () => void): () => void;
}

/**
 * One call's deadline, fired by the shared clock. Plain callbacks rather than an AbortController:
 * this sits on the path of every statement, and a `getById` is a few microseconds of work.
 */
export class CallDeadline implements Expiry {
  readonly timeoutMs: number;
  readonly #cancel: () => void;
  #expired = false;
  #listeners: Array<() => void> | undefined;

  constructor(clock: DeadlineClock, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.#cancel = clock.schedule(timeoutMs, () => {
      this.#expired = true;
      const listeners = this.#listeners;
      this.#listeners = undefined;
      for (const listener of listeners ?? []) listener();
    });
  }

  get expired(): boolean {
    return this.#expired;
  }

  onExpire(listener: () => void): () => void {
    if (this.#expired) {
      listener();
      return () => undefined;
    }
    (this.#listeners ??= []).push(listener);
    return () => {
      const at = this.#listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.#listeners!.splice(at, 1);
    };
  }

  /** Resolves with the work's result, or with `expired` when the deadline passes first. */
  race<T>(work: Promise<T>): Promise<{ value: T } | 'expired'> {
    return raceExpiry(work, this);
  }

  /** Stops the clock for this call (it ended). */
  clear(): void {
    this.#cancel();
  }
}

/** The work's result, or `expired` once `expiry` passes. */
export function raceExpiry<T>(work: Promise<T>, expiry: Expiry): Promise<{ value: T } | 'expired'> {
  if (expiry.expired) return Promise.resolve('expired');
  return new Promise((resolve, reject) => {
    const off = expiry.onExpire(() => resolve('expired'));
    work.then(
      (value) => {
        off();
        resolve({ value });
      },
      (error: unknown) => {
        off();
        reject(error);
      },
    );
  });
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
