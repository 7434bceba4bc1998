import { InvalidTtlError } from './errors';

/** Named TTL tiers; a tier gives a default TTL and the range a TTL chosen within it must fall in. */
export interface TtlTier {
  /** Smallest TTL allowed in this tier, ms. */
  min: number;
  /** Largest TTL allowed in this tier, ms. */
  max: number;
  /** TTL used when only the tier is named, ms. */
  default: number;
}

/** Tier names known by default. */
export type TtlTierName = 'hot' | 'warm' | 'cold';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Default tiers: hot 30 s–5 min, warm 5–30 min, cold 30 min–24 h. */
export const DEFAULT_TTL_TIERS: Readonly<Record<TtlTierName, TtlTier>> = Object.freeze({
  hot: { min: 30 * SECOND, max: 5 * MINUTE, default: MINUTE },
  warm: { min: 5 * MINUTE, max: 30 * MINUTE, default: 15 * MINUTE },
  cold: { min: 30 * MINUTE, max: 24 * HOUR, default: 4 * HOUR },
});

/** Throws `InvalidTtlError` unless `value` is a finite number ≥ 0 (milliseconds). */
export function assertDuration(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidTtlError(`${name} must be a finite number of milliseconds ≥ 0, got ${String(value)}`);
  }
}

/**
 * Resolves the TTL for a write: an explicit `ttl` (checked against `tier` when both are given),
 * else the tier's default, else `fallback`.
 */
export function resolveTtl(
  ttl: number | undefined,
  tier: string | undefined,
  tiers: Readonly<Record<string, TtlTier>>,
  fallback: number,
): number {
  if (ttl !== undefined) assertDuration(ttl, 'ttl');
  if (tier === undefined) return ttl ?? fallback;
  const range = tiers[tier];
  if (!range) throw new InvalidTtlError(`unknown TTL tier "${tier}"; known tiers: ${Object.keys(tiers).join(', ')}`);
  if (ttl === undefined) return range.default;
  if (ttl < range.min || ttl > range.max) {
    throw new InvalidTtlError(`ttl ${ttl} ms is outside the "${tier}" tier (${range.min}–${range.max} ms)`);
  }
  return ttl;
}
