import type { Registry } from 'prom-client';
import { getHeapStatistics } from 'node:v8';
import { InvalidOptionsError } from '../errors';
import type { HealthCheck } from '../health/health-registry';
import { scrapeGroup } from '../metrics/scrape-group';

/** The process's memory as one reading. */
export interface MemoryReading {
  heapUsedBytes: number;
  /** V8's heap limit (`--max-old-space-size`). */
  heapLimitBytes: number;
  heapRatio: number;
  rssBytes: number;
  /** Over a threshold; `reasons` says which. */
  pressure: boolean;
  reasons: string[];
}

/** Options of `MemoryPressure`. */
export interface MemoryPressureOptions {
  /** Heap use, as a share of V8's heap limit, that counts as pressure (default 0.85, as the cache's guard). */
  heapRatio?: number;
  /** Resident set size that counts as pressure, bytes (default none: a container limit is the usual source). */
  rssBytes?: number;
  /**
   * What to do under pressure, called once per reading that finds it — wire the cache's
   * `MemoryPressureGuard.check()` here so caches shed entries before the process runs out.
   */
  onPressure?: (reading: MemoryReading) => void;
  /** Reads memory (default `process.memoryUsage()`). */
  readUsage?: () => { heapUsed: number; rss: number };
  /** V8's heap limit (default from `v8.getHeapStatistics()`). */
  heapLimitBytes?: number;
}

/**
 * The process's heap and RSS against thresholds (seed 000): a health check that is `degraded` under
 * pressure, Prometheus series, and an action (`onPressure`) so the cache's pressure guard sheds entries.
 */
export class MemoryPressure {
  readonly #heapRatio: number;
  readonly #rssBytes: number | undefined;
  readonly #onPressure: MemoryPressureOptions['onPressure'];
  readonly #read: () => { heapUsed: number; rss: number };
  readonly #limit: number;

  constructor(options: MemoryPressureOptions = {}) {
    this.#heapRatio = options.heapRatio ?? 0.85;
    if (!(this.#heapRatio > 0 && this.#heapRatio <= 1)) throw new InvalidOptionsError(`heapRatio must be in (0, 1], got ${options.heapRatio}`);
    if (options.rssBytes !== undefined && !(options.rssBytes > 0)) throw new InvalidOptionsError(`rssBytes must be > 0, got ${options.rssBytes}`);
    this.#rssBytes = options.rssBytes;
    this.#onPressure = options.onPressure;
    this.#read = options.readUsage ?? (() => process.memoryUsage());
    this.#limit = options.heapLimitBytes ?? getHeapStatistics().heap_size_limit;
  }

  /** Reads memory now; calls `onPressure` when over a threshold. */
  read(): MemoryReading {
    const usage = this.#read();
    const heapRatio = usage.heapUsed / this.#limit;
    const reasons: string[] = [];
    if (heapRatio >= this.#heapRatio) reasons.push(`heap ${(heapRatio * 100).toFixed(0)} % of its limit (threshold ${(this.#heapRatio * 100).toFixed(0)} %)`);
    if (this.#rssBytes !== undefined && usage.rss >= this.#rssBytes) reasons.push(`RSS ${Math.round(usage.rss / 1048576)} MiB (threshold ${Math.round(this.#rssBytes / 1048576)} MiB)`);
    const reading = { heapUsedBytes: usage.heapUsed, heapLimitBytes: this.#limit, heapRatio, rssBytes: usage.rss, pressure: reasons.length > 0, reasons };
    if (reading.pressure) this.#onPressure?.(reading);
    return reading;
  }

  /** A non-critical health check named `memory`: `degraded` under pressure, with the reasons. */
  healthCheck(): HealthCheck {
    return {
      name: 'memory',
      critical: false,
      timeoutMs: 500,
      run: async () => {
        const reading = this.read();
        return reading.pressure ? { status: 'degraded', detail: reading.reasons.join('; ') } : { status: 'up', detail: `heap ${(reading.heapRatio * 100).toFixed(0)} % of its limit` };
      },
    };
  }

  /** `core_memory_heap_used_ratio`, `core_memory_heap_limit_bytes`, `core_memory_rss_bytes` and `core_memory_pressure` (1 under pressure), read at scrape time. */
  registerMetrics(registry: Registry): void {
    scrapeGroup(
      registry,
      {
        ratio: { name: 'core_memory_heap_used_ratio', help: 'Heap in use as a share of V8\'s heap limit (0-1).' },
        limit: { name: 'core_memory_heap_limit_bytes', help: 'V8\'s heap limit.' },
        rss: { name: 'core_memory_rss_bytes', help: 'Resident set size of the process.' },
        pressure: { name: 'core_memory_pressure', help: 'Whether the process is over a memory threshold (1) or not (0).' },
      },
      async (set) => {
        const reading = this.read();
        set('ratio', reading.heapRatio);
        set('limit', reading.heapLimitBytes);
        set('rss', reading.rssBytes);
        set('pressure', reading.pressure ? 1 : 0);
      },
    );
  }
}
