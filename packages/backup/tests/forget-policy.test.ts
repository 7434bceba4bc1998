import { applyPolicy, InvalidOptionsError } from '../src';
import type { RetentionPolicy } from '../src';

// Cases derived from restic's forget documentation (doc/060_forget.rst) and its ApplyPolicy rules:
// newest first; each bucket keeps the newest snapshot of its n most recent periods; a count left over at
// the end keeps the oldest snapshot ("oldest … snapshot"); `within` is relative to the newest snapshot,
// not to now; tags keep without counting; each snapshot's own UTC offset decides its period unless a
// timezone is given.
type Case = [label: string, times: string[], policy: RetentionPolicy, kept: Array<[time: string, reasons: string[]]>, tags?: Record<string, string[]>];

const NOW = Date.parse('2030-01-01T00:00:00Z');

const cases: Case[] = [
  ['keep-last 2 of 4', ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-03T10:00:00Z', '2026-01-04T10:00:00Z'], { last: 2 }, [['2026-01-04T10:00:00Z', ['last snapshot']], ['2026-01-03T10:00:00Z', ['last snapshot']]]],
  ['keep-daily 2: the newest of each of the last two days', ['2026-01-01T08:00:00Z', '2026-01-01T20:00:00Z', '2026-01-02T08:00:00Z', '2026-01-02T20:00:00Z', '2026-01-03T08:00:00Z'], { daily: 2 }, [['2026-01-03T08:00:00Z', ['daily snapshot']], ['2026-01-02T20:00:00Z', ['daily snapshot']]]],
  ['keep-daily 3 with two days: the count left over keeps the oldest', ['2026-01-01T08:00:00Z', '2026-01-01T10:00:00Z', '2026-01-02T08:00:00Z', '2026-01-02T10:00:00Z'], { daily: 3 }, [['2026-01-02T10:00:00Z', ['daily snapshot']], ['2026-01-01T10:00:00Z', ['daily snapshot']], ['2026-01-01T08:00:00Z', ['oldest daily snapshot']]]],
  ['keep-weekly uses ISO weeks: Sunday 2023-01-01 is week 52 of 2022, Monday starts week 1', ['2023-01-01T12:00:00Z', '2023-01-02T12:00:00Z', '2023-01-03T12:00:00Z'], { weekly: 2 }, [['2023-01-03T12:00:00Z', ['weekly snapshot']], ['2023-01-01T12:00:00Z', ['weekly snapshot']]]],
  ['keep-monthly and keep-yearly together', ['2024-12-15T00:00:00Z', '2025-06-01T00:00:00Z', '2025-06-20T00:00:00Z', '2026-02-01T00:00:00Z'], { monthly: 2, yearly: 3 }, [['2026-02-01T00:00:00Z', ['monthly snapshot', 'yearly snapshot']], ['2025-06-20T00:00:00Z', ['monthly snapshot', 'yearly snapshot']], ['2024-12-15T00:00:00Z', ['yearly snapshot']]]],
  ['keep-daily -1 keeps one per day, all days', ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z', '2026-01-02T01:00:00Z'], { daily: -1 }, [['2026-01-02T01:00:00Z', ['daily snapshot']], ['2026-01-01T02:00:00Z', ['daily snapshot']], ['2026-01-01T01:00:00Z', ['oldest daily snapshot']]]],
  ['within 1y1m1d is measured from the newest snapshot, not from now (strictly after: exactly 1y1m1d before is out)', ['2024-12-02T12:00:00Z', '2024-12-02T13:00:00Z', '2026-01-03T12:00:00Z'], { within: '1y1m1d' }, [['2026-01-03T12:00:00Z', ['within 1y1m1d']], ['2024-12-02T13:00:00Z', ['within 1y1m1d']]]],
  ['within-daily 2d keeps the newest per day within two days', ['2026-01-01T09:00:00Z', '2026-01-02T09:00:00Z', '2026-01-02T18:00:00Z', '2026-01-03T10:00:00Z'], { withinDaily: '2d' }, [['2026-01-03T10:00:00Z', ['daily within 2d']], ['2026-01-02T18:00:00Z', ['daily within 2d']]]],
  ['keep-tag keeps without counting', ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'], { last: 1, tags: [['release']] }, [['2026-01-03T00:00:00Z', ['last snapshot']], ['2026-01-01T00:00:00Z', ['has tags [release]']]], { '2026-01-01T00:00:00Z': ['release'] }],
  ['each snapshot\'s own offset: 23:30 and 10:00 at -05:00 are one day (Mar 1) there', ['2026-03-01T10:00:00-05:00', '2026-03-01T23:30:00-05:00'], { daily: 5 }, [['2026-03-01T23:30:00-05:00', ['daily snapshot']], ['2026-03-01T10:00:00-05:00', ['oldest daily snapshot']]]],
  ['the same two in UTC are two days', ['2026-03-01T10:00:00-05:00', '2026-03-01T23:30:00-05:00'], { daily: 1, timezone: 'UTC' }, [['2026-03-01T23:30:00-05:00', ['daily snapshot']]]],
  ['spring DST in Europe/Berlin: 01:30 CET and 03:30 CEST are different hours of one day', ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'], { hourly: 1, daily: 1, timezone: 'Europe/Berlin' }, [['2026-03-29T01:30:00Z', ['hourly snapshot', 'daily snapshot']]]],
  ['autumn DST in Europe/Berlin: 02:30 CEST and 02:30 CET fall into one hourly bucket', ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T03:00:00Z'], { hourly: 2, timezone: 'Europe/Berlin' }, [['2026-10-25T03:00:00Z', ['hourly snapshot']], ['2026-10-25T01:30:00Z', ['hourly snapshot']]]],
  ['without a timezone the autumn pair keep their own offsets (+02:00 and +01:00) and stay one local hour', ['2026-10-25T02:30:00+02:00', '2026-10-25T02:30:00+01:00'], { hourly: 1 }, [['2026-10-25T02:30:00+01:00', ['hourly snapshot']]]],
  ['a snapshot in the future is kept by buckets but does not anchor within', ['2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z', '2031-01-01T00:00:00Z'], { within: '2d' }, [['2031-01-01T00:00:00Z', ['within 2d']], ['2026-01-10T00:00:00Z', ['within 2d']]]],
];

describe('retention with restic forget semantics', () => {
  it.each(cases)('%s', (_label, times, policy, kept, tags = {}) => {
    const snapshots = times.map((time, i) => ({ id: `s${i}`, time, tags: tags[time] ?? [] }));
    const { keep, remove } = applyPolicy(snapshots, policy, NOW);
    expect(keep.map((k) => [k.snapshot.time, k.reasons])).toEqual(kept);
    expect(remove.length + keep.length).toBe(times.length);
  });

  it.each([
    [{ daily: 1.5 }, /retention\.daily/],
    [{ weekly: -2 }, /retention\.weekly/],
    [{ within: '5x' }, /retention\.within/],
    [{ daily: 1, timezone: 'Mars/Olympus' }, /timezone/],
  ])('rejects %j with a typed error naming the field', (policy, message) => {
    expect(() => applyPolicy([{ id: 'a', time: '2026-01-01T00:00:00Z', tags: [] }], policy as RetentionPolicy)).toThrow(InvalidOptionsError);
    expect(() => applyPolicy([{ id: 'a', time: '2026-01-01T00:00:00Z', tags: [] }], policy as RetentionPolicy)).toThrow(message);
  });
});
