/** A connection held longer than the threshold: how long, and where it was taken. */
export interface LeakReport {
  endpoint: string;
  heldMs: number;
  stack: string;
}

interface Checkout {
  since: number;
  /** Captured at checkout; V8 formats the stack only if a report reads it. */
  origin: Error;
}

/**
 * Records every checkout with its time and call site, so a connection held past the threshold can be
 * reported with the stack that took it (TypeORM's QueryRunner leaks, #4866 / #8790, go unnoticed).
 */
export class LeakTracker {
  readonly #open = new Map<number, Checkout>();
  #next = 0;

  constructor(readonly endpoint: string) {}

  /** Records a checkout; returns its ticket for `release`. */
  checkout(): number {
    const ticket = this.#next++;
    const origin = new Error('connection checked out here');
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
      if (heldMs >= thresholdMs) out.push({ endpoint: this.endpoint, heldMs, stack: c.origin.stack ?? '' });
    }
    return out.sort((a, b) => b.heldMs - a.heldMs);
  }
}
