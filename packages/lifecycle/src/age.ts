/** An age in calendar parts (years and months vary in length) and a fixed number of milliseconds. */
export interface Age {
  years: number;
  months: number;
  ms: number;
  /** The text it was read from. */
  text: string;
}

const SHORT = /^(\d+)(ms|s|m|h|d|w)$/;
const SHORT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Reads `90d`, `12h`, `2w` or an ISO 8601 duration (`P90D`, `P1Y6M`, `PT36H`); undefined when it is
 * neither. Written here because the two forms fit in a dozen lines and no duration library reads both.
 */
export function parseAge(text: string): Age | undefined {
  const short = SHORT.exec(text);
  if (short) return { years: 0, months: 0, ms: Number(short[1]) * SHORT_MS[short[2]!]!, text };
  const iso = ISO.exec(text);
  if (!iso || text === 'P' || text.endsWith('T')) return undefined;
  const [, y, mo, w, d, h, mi, s] = iso.map((part) => (part === undefined ? 0 : Number(part))) as number[];
  return { years: y!, months: mo!, ms: w! * 604_800_000 + d! * 86_400_000 + h! * 3_600_000 + mi! * 60_000 + Math.round(s! * 1000), text };
}

/** The instant `age` before `now`: years and months on the UTC calendar (31 March − 1 month = 28/29 February), then the fixed part. */
export function cutoffOf(age: Age, now: Date): Date {
  const at = new Date(now.getTime());
  if (age.years || age.months) {
    const day = at.getUTCDate();
    at.setUTCDate(1);
    at.setUTCMonth(at.getUTCMonth() - age.months - age.years * 12);
    const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
    at.setUTCDate(Math.min(day, lastDay));
  }
  return new Date(at.getTime() - age.ms);
}
