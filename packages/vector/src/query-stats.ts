import type { CollectionStats } from './types';

/** How many recent query durations a collection keeps for its quantiles. */
const RECENT = 1024;

interface Entry {
  queries: number;
  errors: number;
  seconds: number;
  recent: Float64Array;
}

/**
 * Query counters and latency per collection for `VectorStore.stats()`: totals since the store opened and
 * the median and 99th percentile of the last 1,024 queries (a ring, so memory stays fixed).
 */
export class QueryStatsBook {
  readonly #entries = new Map<string, Entry>();

  /** Runs one query of `collection`, counting it, its duration and whether it failed. */
  async time<T>(collection: string, query: () => Promise<T>): Promise<T> {
    const entry = this.#entry(collection);
    const started = process.hrtime.bigint();
    try {
      return await query();
    } catch (error) {
      entry.errors++;
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      entry.recent[entry.queries % RECENT] = seconds;
      entry.queries++;
      entry.seconds += seconds;
    }
  }

  /** Stats of every collection queried or named in `records` (live record counts, undefined when unknown). */
  snapshot(records: ReadonlyMap<string, number | undefined>): Record<string, CollectionStats> {
    const out: Record<string, CollectionStats> = {};
    for (const name of new Set([...records.keys(), ...this.#entries.keys()])) {
      const entry = this.#entries.get(name);
      const recent = entry ? Array.from(entry.recent.subarray(0, Math.min(entry.queries, RECENT))).sort((a, b) => a - b) : [];
      out[name] = {
        records: records.get(name),
        queries: entry?.queries ?? 0,
        queryErrors: entry?.errors ?? 0,
        querySeconds: entry?.seconds ?? 0,
        ...(recent.length > 0 ? { p50Seconds: quantile(recent, 0.5), p99Seconds: quantile(recent, 0.99) } : {}),
      };
    }
    return out;
  }

  #entry(collection: string): Entry {
    let entry = this.#entries.get(collection);
    if (!entry) this.#entries.set(collection, (entry = { queries: 0, errors: 0, seconds: 0, recent: new Float64Array(RECENT) }));
    return entry;
  }
}

/** The nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
