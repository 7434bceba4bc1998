import { InvalidOptionsError } from '../errors';
import { formatDuration, isZero, parseDuration } from './duration';
import type { CalendarDuration } from './duration';
import { assertTimeZone, isoWeek, ownWallClock, subtractDuration, zonedWallClock } from './wall-clock';
import type { WallClock } from './wall-clock';

/** Which snapshots to keep: restic's `forget` options. Counts are ≥ 0, or -1 for "all"; durations are `1y2m3d4h`. */
export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: string;
  withinHourly?: string;
  withinDaily?: string;
  withinWeekly?: string;
  withinMonthly?: string;
  withinYearly?: string;
  /** Keep every snapshot carrying all tags of any one of these lists. */
  tags?: string[][];
  /** IANA zone whose calendar decides buckets; default: each snapshot's own UTC offset. */
  timezone?: string;
}

/** The least a policy needs of a snapshot. */
export interface PolicySnapshot {
  id: string;
  time: string;
  tags: string[];
}

/** A kept snapshot and why, in restic's words ("daily snapshot", "oldest yearly snapshot", "within 1y1m1d"). */
export interface KeepDecision<S extends PolicySnapshot> {
  snapshot: S;
  reasons: string[];
}

type Bucketer = (clock: WallClock, position: number) => number;

const hourly: Bucketer = (c) => c.year * 1_000_000 + c.month * 10_000 + c.day * 100 + c.hour;
const daily: Bucketer = (c) => c.year * 10_000 + c.month * 100 + c.day;
const weekly: Bucketer = (c) => {
  const w = isoWeek(c.year, c.month, c.day);
  return w.year * 100 + w.week;
};
const monthly: Bucketer = (c) => c.year * 100 + c.month;
const yearly: Bucketer = (c) => c.year;
const always: Bucketer = (_c, position) => position;

const COUNTS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const WITHINS = ['within', 'withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly'] as const;

/** Checks a policy; a bad field is an `InvalidOptionsError` naming it. */
export function validatePolicy(policy: RetentionPolicy): void {
  for (const field of COUNTS) {
    const value = policy[field];
    if (value !== undefined && (!Number.isInteger(value) || value < -1)) throw new InvalidOptionsError(`retention.${field} must be an integer ≥ 0, or -1 for all (got ${String(value)})`);
  }
  for (const field of WITHINS) {
    const value = policy[field];
    if (value !== undefined) parseDuration(value, `retention.${field}`);
  }
  if (policy.timezone !== undefined) assertTimeZone(policy.timezone);
}

/** Whether the policy keeps anything at all (an empty policy would remove every snapshot). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return COUNTS.every((f) => !policy[f]) && WITHINS.every((f) => !policy[f] || isZero(parseDuration(policy[f]!, f))) && !policy.tags?.length;
}

/**
 * restic's ApplyPolicy: walk snapshots newest first; `last` keeps the newest n; each calendar bucket
 * (hour, day, ISO week, month, year) keeps the newest snapshot of each of its n most recent buckets, and
 * the oldest snapshot when counts are left over ("oldest … snapshot"); `within*` keep relative to the
 * newest snapshot (not now); tags keep without counting.
 */
export function applyPolicy<S extends PolicySnapshot>(snapshots: S[], policy: RetentionPolicy, now = Date.now()): { keep: Array<KeepDecision<S>>; remove: S[] } {
  validatePolicy(policy);
  const list = [...snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  if (list.length === 0) return { keep: [], remove: [] };
  const clockOf = (s: S) => (policy.timezone ? zonedWallClock(s.time, policy.timezone) : ownWallClock(s.time));
  const buckets = [
    { count: policy.last ?? 0, bucket: always, last: NaN, reason: 'last snapshot' },
    { count: policy.hourly ?? 0, bucket: hourly, last: NaN, reason: 'hourly snapshot' },
    { count: policy.daily ?? 0, bucket: daily, last: NaN, reason: 'daily snapshot' },
    { count: policy.weekly ?? 0, bucket: weekly, last: NaN, reason: 'weekly snapshot' },
    { count: policy.monthly ?? 0, bucket: monthly, last: NaN, reason: 'monthly snapshot' },
    { count: policy.yearly ?? 0, bucket: yearly, last: NaN, reason: 'yearly snapshot' },
  ];
  const within = (text: string | undefined, field: string): CalendarDuration | undefined => (text === undefined ? undefined : parseDuration(text, field));
  const withinBuckets = [
    { within: within(policy.withinHourly, 'withinHourly'), bucket: hourly, last: NaN, reason: 'hourly within' },
    { within: within(policy.withinDaily, 'withinDaily'), bucket: daily, last: NaN, reason: 'daily within' },
    { within: within(policy.withinWeekly, 'withinWeekly'), bucket: weekly, last: NaN, reason: 'weekly within' },
    { within: within(policy.withinMonthly, 'withinMonthly'), bucket: monthly, last: NaN, reason: 'monthly within' },
    { within: within(policy.withinYearly, 'withinYearly'), bucket: yearly, last: NaN, reason: 'yearly within' },
  ];
  const keepWithin = within(policy.within, 'within');
  // The newest snapshot that is not in the future anchors every `within`.
  const latest = list.find((s) => Date.parse(s.time) < now) ?? list[list.length - 1]!;
  const latestClock = clockOf(latest);
  const keep: Array<KeepDecision<S>> = [];
  const remove: S[] = [];
  list.forEach((snapshot, position) => {
    const reasons: string[] = [];
    const clock = clockOf(snapshot);
    const isOldest = position === list.length - 1;
    for (const tagList of policy.tags ?? []) {
      if (tagList.every((tag) => snapshot.tags.includes(tag))) reasons.push(`has tags [${tagList.join(' ')}]`);
    }
    if (!isZero(keepWithin) && clock.instant > subtractDuration(latestClock, keepWithin!)) reasons.push(`within ${formatDuration(keepWithin!)}`);
    for (const b of buckets) {
      if (b.count > 0 || b.count === -1) {
        const value = b.bucket(clock, position);
        if (value !== b.last || isOldest) {
          reasons.push(value === b.last && isOldest ? `oldest ${b.reason}` : b.reason);
          b.last = value;
          if (b.count > 0) b.count--;
        }
      }
    }
    for (const b of withinBuckets) {
      if (isZero(b.within) || clock.instant <= subtractDuration(latestClock, b.within!)) continue;
      const value = b.bucket(clock, position);
      if (value !== b.last || isOldest) {
        reasons.push(`${value === b.last && isOldest ? `oldest ${b.reason}` : b.reason} ${formatDuration(b.within!)}`);
        b.last = value;
      }
    }
    if (reasons.length > 0) keep.push({ snapshot, reasons });
    else remove.push(snapshot);
  });
  return { keep, remove };
}
