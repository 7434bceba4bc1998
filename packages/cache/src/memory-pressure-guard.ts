import { getHeapStatistics } from 'node:v8';

/** Something that can shed a fraction of its entries (a `MemoryTier`). */
export interface Evictable {
  evictFraction(fraction: number): number;
}

/** Options of the memory-pressure guard. */
export interface MemoryPressureOptions {
  /** Heap use that triggers eviction: bytes, or a ratio (0–1) of V8's heap limit (default 0.85). */
  threshold?: number;
  /** Fraction of entries evicted each time the threshold is passed (default 0.25). */
  evictFraction?: number;
  /** How often to look, in ms (default 5,000). The timer does not keep the process alive. */
  intervalMs?: number;
  /** Reads current heap use; defaults to `process.memoryUsage().heapUsed`. */
  readHeapUsed?: () => number;
  /** Called after an eviction with how many entries went. */
  onEvict?: (evicted: number, heapUsed: number) => void;
}

/** Watches process heap use and makes caches shed entries when it passes a threshold. */
export class MemoryPressureGuard {
  readonly #targets: Evictable[];
  readonly #thresholdBytes: number;
  readonly #fraction: number;
  readonly #readHeapUsed: () => number;
  readonly #onEvict: MemoryPressureOptions['onEvict'];
  #timer: NodeJS.Timeout | undefined;

  constructor(targets: Evictable[], options: MemoryPressureOptions = {}) {
    const threshold = options.threshold ?? 0.85;
    if (!(threshold > 0)) throw new RangeError(`threshold must be > 0, got ${threshold}`);
    this.#thresholdBytes = threshold <= 1 ? threshold * getHeapStatistics().heap_size_limit : threshold;
    this.#fraction = options.evictFraction ?? 0.25;
    if (!(this.#fraction > 0 && this.#fraction <= 1)) throw new RangeError(`evictFraction must be in (0, 1], got ${this.#fraction}`);
    this.#targets = targets;
    this.#readHeapUsed = options.readHeapUsed ?? (() => process.memoryUsage().heapUsed);
    this.#onEvict = options.onEvict;
    const intervalMs = options.intervalMs ?? 5_000;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.check(), intervalMs);
      this.#timer.unref();
    }
  }

  /** Heap use in bytes above which entries are evicted. */
  get thresholdBytes(): number {
    return this.#thresholdBytes;
  }

  /** Looks once: evicts from every target if heap use is over the threshold; returns how many went. */
  check(): number {
    const heapUsed = this.#readHeapUsed();
    if (heapUsed < this.#thresholdBytes) return 0;
    let evicted = 0;
    for (const target of this.#targets) evicted += target.evictFraction(this.#fraction);
    this.#onEvict?.(evicted, heapUsed);
    return evicted;
  }

  /** Stops watching. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
