/** A connection held longer than the threshold: how long, and where it was taken. */
export interface LeakReport {
  endpoint: string;
  heldMs: number;
  stack: string;
}

/** Where a connection was taken: a captured call stack, or the name of a single statement. */
export type Origin = Error | string;

interface Checkout {
  since: number;
  /** An Error captured at the call (V8 formats its stack only if a report reads it), or a label. */
  origin: Origin;
}

/**
 * Records every checkout with its time and origin, so a connection held past the threshold can be
 * reported with the stack that took it (TypeORM's QueryRunner leaks, #4866 / #8790, go unnoticed).
 * Calls that run caller code while holding the connection (transactions, `updateWithLock`, bulk
 * loads, raw queries) capture the full stack; a single generated statement is released in `finally`
 * right after it answers, so it carries its name instead: capturing a stack costs more than the
 * rest of a `getById`.
 */
export class LeakTracker {
  /** The call site of a call, captured synchronously where it enters (so it names the caller). */
  static callSite(): Error {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 20;
    const origin = new Error('connection checked out here');
    Error.stackTraceLimit = limit;
    return origin;
  }

  readonly #open = new Map<number, Checkout>();
  #next = 0;

  constructor(readonly endpoint: string) {}

  /** Records a checkout (taken for the call that `origin` was created in); returns its ticket. */
  checkout(origin: Origin): number {
    const ticket = this.#next++;
    this.#open.set(ticket, { since: Date.now(), origin });
    return ticket;
  }

  release(ticket: number): void {
    this.#open.delete(ticket);
  }

  /** Connections currently checked out. */
  get checkedOut(): number {
    return this.#open.size;
  }

  /** Checkouts older than `thresholdMs`, oldest first. */
  leaks(thresholdMs: number, now = Date.now()): LeakReport[] {
    const out: LeakReport[] = [];
    for (const c of this.#open.values()) {
      const heldMs = now - c.since;
      const stack = typeof c.origin === 'string' ? `${c.origin} (a single statement)` : (c.origin.stack ?? '');
      if (heldMs >= thresholdMs) out.push({ endpoint: this.endpoint, heldMs, stack });
    }
    return out.sort((a, b) => b.heldMs - a.heldMs);
  }
}
