import type { BatchOptions } from '../policy/policy-schema';

/**
 * Batch size that follows the database: a batch slower than the target shrinks the next one (in
 * proportion, at most halving), a fast one grows it (at most 1.5×); a lock timeout or replication
 * lag halves it. GitLab's batched background migrations adapt the same way, towards a target time.
 */
export class BatchSizer {
  readonly min: number;
  readonly max: number;
  readonly targetMs: number;
  #size: number;

  constructor(options: BatchOptions = {}, cap = 100_000) {
    this.max = Math.min(options.max ?? 50_000, cap);
    this.min = Math.min(options.min ?? 100, this.max);
    this.targetMs = options.targetMs ?? 1_000;
    this.#size = Math.min(Math.max(options.initial ?? 1_000, this.min), this.max);
  }

  /** Rows of the next batch. */
  get size(): number {
    return this.#size;
  }

  /** Adjusts after a batch of `rows` that took `ms`. */
  observe(ms: number, rows: number): void {
    if (rows < this.#size) return; // a short last batch says nothing about speed
    const ratio = this.targetMs / Math.max(ms, 1);
    if (ms > this.targetMs * 1.25) this.#size = Math.floor(this.#size * Math.max(0.5, ratio));
    else if (ms < this.targetMs * 0.75) this.#size = Math.floor(this.#size * Math.min(1.5, ratio));
    this.#size = Math.min(Math.max(this.#size, this.min), this.max);
  }

  /** Halves the size after a lock timeout or while replicas lag. */
  shrink(): void {
    this.#size = Math.max(this.min, Math.floor(this.#size / 2));
  }
}
