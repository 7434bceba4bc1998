import { InvalidOptionsError } from '../errors';

/** restic's calendar duration: years, months, days, hours (`1y2m3d4h`). */
export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** Parses `1y2m3d4h` (any subset, in that order) — restic's `--keep-within` form. */
export function parseDuration(text: string, field: string): CalendarDuration {
  const match = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$/.exec(text.trim());
  if (!match || text.trim() === '') throw new InvalidOptionsError(`${field} must be a duration like 1y2m3d4h (got "${text}")`);
  const [, y, m, d, h] = match;
  return { years: Number(y ?? 0), months: Number(m ?? 0), days: Number(d ?? 0), hours: Number(h ?? 0) };
}

/** The duration in restic's words (`1y1m1d`, `2h`): what a keep reason says. */
export function formatDuration(duration: CalendarDuration): string {
  const parts = [
    [duration.years, 'y'],
    [duration.months, 'm'],
    [duration.days, 'd'],
    [duration.hours, 'h'],
  ] as const;
  return parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join('');
}

/** Whether a duration is zero (the option is unset). */
export function isZero(duration: CalendarDuration | undefined): boolean {
  return !duration || (duration.years === 0 && duration.months === 0 && duration.days === 0 && duration.hours === 0);
}
