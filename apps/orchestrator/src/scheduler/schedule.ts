import { Cron } from 'croner';

/** A job's schedule could not be understood; `field` names what was wrong (`schedule` or `timezone`). */
export class ScheduleError extends Error {
  readonly code = 'SCHEDULE_INVALID';

  constructor(
    readonly job: string,
    readonly field: 'schedule' | 'timezone',
    message: string,
  ) {
    super(`job "${job}": ${field} ${message}`);
    this.name = 'ScheduleError';
  }
}

/**
 * A cron schedule (5 fields, or 6 with seconds first) in an IANA time zone, through croner. Across DST:
 * a wall time that does not exist (02:30 on the spring change in Europe/Berlin) runs once, at the same
 * offset after the gap (03:30); a wall time that happens twice (02:30 on the autumn change) runs once,
 * at its second, standard-time occurrence. `tests/scheduler-schedule.test.ts` pins both.
 */
export class Schedule {
  private readonly cron: Cron;

  constructor(
    readonly job: string,
    readonly expression: string,
    readonly timezone = 'UTC',
  ) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new ScheduleError(job, 'timezone', `"${timezone}" is not an IANA time zone (like Europe/Berlin)`);
    }
    try {
      this.cron = new Cron(expression, { timezone, paused: true });
    } catch (error) {
      throw new ScheduleError(job, 'schedule', `"${expression}" is not a cron expression: ${(error as Error).message}`);
    }
  }

  /** The first occurrence strictly after `after`. */
  next(after: Date): Date | undefined {
    return this.cron.nextRun(after) ?? undefined;
  }

  /** Occurrences in (after, until], oldest first, at most `limit`. */
  between(after: Date, until: Date, limit = 1000): Date[] {
    const out: Date[] = [];
    let cursor = after;
    while (out.length < limit) {
      const next = this.cron.nextRun(cursor);
      if (!next || next > until) break;
      out.push(next);
      cursor = next;
    }
    return out;
  }
}
