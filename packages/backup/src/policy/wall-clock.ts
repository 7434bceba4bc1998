import { InvalidOptionsError } from '../errors';
import type { CalendarDuration } from './duration';

/** A snapshot time as the calendar sees it: its instant and its local wall clock. */
export interface WallClock {
  instant: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  /** Minutes east of UTC of that wall clock. */
  offsetMinutes: number;
}

/** The wall clock of an ISO time in its own UTC offset (restic: each snapshot's own zone decides its bucket). */
export function ownWallClock(iso: string): WallClock {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new InvalidOptionsError(`snapshot time "${iso}" is not an ISO 8601 time`);
  const match = /([+-])(\d{2}):?(\d{2})$|Z$/.exec(iso);
  const offsetMinutes = match && match[1] ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  const local = new Date(instant + offsetMinutes * 60_000);
  return { instant, year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), offsetMinutes };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Checks an IANA zone name; a bad one is an `InvalidOptionsError`. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InvalidOptionsError(`timezone "${timeZone}" is not an IANA time zone (like Europe/Berlin)`);
  }
}

/** The wall clock of an ISO time in an IANA zone. */
export function zonedWallClock(iso: string, timeZone: string): WallClock {
  const instant = Date.parse(iso);
  let format = formatters.get(timeZone);
  if (!format) {
    assertTimeZone(timeZone);
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const asUtc = Date.UTC(year, month - 1, day, hour, Number(parts.minute));
  const offsetMinutes = Math.round((asUtc - (instant - (instant % 60_000))) / 60_000);
  return { instant, year, month, day, hour, offsetMinutes };
}

/** ISO 8601 week-numbering year and week of a calendar date (Monday first; week 1 holds the first Thursday). */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const firstDay = Date.UTC(weekYear, 0, 1);
  return { year: weekYear, week: Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7) };
}

/** `clock` minus a calendar duration, as Go's `AddDate(-y, -m, -d).Add(-h)` in the clock's offset (overflowing days roll over). */
export function subtractDuration(clock: WallClock, duration: CalendarDuration): number {
  const local = new Date(clock.instant + clock.offsetMinutes * 60_000);
  const shifted = Date.UTC(
    local.getUTCFullYear() - duration.years,
    local.getUTCMonth() - duration.months,
    local.getUTCDate() - duration.days,
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return shifted - clock.offsetMinutes * 60_000 - duration.hours * 3_600_000;
}
