import { InvalidOptionsError } from '../errors';

/** The insight's thresholds; the defaults are PgHero's. */
export interface InsightThresholds {
  /** A query running longer than this is reported (PgHero: 60 s). */
  longRunningQuerySeconds: number;
  /** A session idle in a transaction longer than this is reported. */
  idleInTransactionSeconds: number;
  /** Tables whose heap cache hit rate is below this percentage, once they have been read this many blocks. */
  cacheHitRatePercent: number;
  cacheHitMinBlocks: number;
  /** An index at least this large with at most `unusedIndexMaxScans` scans is unused (issue 16: 10 MB, 0 scans). */
  unusedIndexMinBytes: number;
  unusedIndexMaxScans: number;
  /** A sequence past this share of its type's range (PgHero: 90 %). */
  sequenceUsedShare: number;
  /** Transaction ids left before wraparound below which a database or table is reported (PgHero: 10 million). */
  wraparoundMinRemaining: number;
  /** Dead tuples above this share of live ones, once there are at least `deadTuplesMin`. */
  deadTuplesShare: number;
  deadTuplesMin: number;
  /** Replication lag above this many seconds (PgHero: 5 s). */
  replicationLagSeconds: number;
  /** Connections above this share of max_connections. */
  connectionsShare: number;
  /** A statement is slow when its mean time in the window is at least this (PgHero: 20 ms) … */
  slowQueryMs: number;
  /** … over at least this many calls in the window (PgHero: 100). */
  slowQueryCalls: number;
  /** The window slow queries are measured over, by diffing pg_stat_statements snapshots. */
  slowQueryWindowMinutes: number;
}

/** PgHero's defaults (and issue 16's for unused indexes). */
export const DEFAULT_THRESHOLDS: InsightThresholds = {
  longRunningQuerySeconds: 60,
  idleInTransactionSeconds: 60,
  cacheHitRatePercent: 99,
  cacheHitMinBlocks: 1000,
  unusedIndexMinBytes: 10 * 1024 * 1024,
  unusedIndexMaxScans: 0,
  sequenceUsedShare: 0.9,
  wraparoundMinRemaining: 10_000_000,
  deadTuplesShare: 0.1,
  deadTuplesMin: 1000,
  replicationLagSeconds: 5,
  connectionsShare: 0.8,
  slowQueryMs: 20,
  slowQueryCalls: 100,
  slowQueryWindowMinutes: 60,
};

/** Merges overrides into the defaults; a value that is not a finite number ≥ 0 is an `InvalidOptionsError` naming it. */
export function resolveThresholds(overrides: Partial<InsightThresholds> = {}): InsightThresholds {
  const merged = { ...DEFAULT_THRESHOLDS, ...overrides };
  for (const [key, value] of Object.entries(merged)) {
    if (!(key in DEFAULT_THRESHOLDS)) throw new InvalidOptionsError(`thresholds.${key} is not a threshold of the insight`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidOptionsError(`thresholds.${key} must be a number ≥ 0 (got ${String(value)})`);
  }
  return merged;
}
