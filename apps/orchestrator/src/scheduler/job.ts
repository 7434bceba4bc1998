/** What a job's run gets: its scheduled time, a signal (timeout, shutdown, cancel) and a progress reporter. */
export interface JobContext {
  scheduledAt: Date;
  attempt: number;
  signal: AbortSignal;
  progress(value: Record<string, unknown>): void;
}

/** What to do with occurrences missed while no scheduler ran. */
export type MissedPolicy = 'skip' | 'once' | 'all';

/** One scheduled job. */
export interface JobDefinition {
  name: string;
  /** Cron, 5 fields or 6 with seconds. */
  schedule: string;
  timezone?: string;
  /** Missed occurrences (default `once`: the newest one within `catchUpWithinMs` runs, older ones are recorded as missed). */
  missed?: MissedPolicy;
  /** How far back missed occurrences are caught up (default 24 h). */
  catchUpWithinMs?: number;
  /** Run once right after start when the job has never run (backups on a fresh machine). */
  runOnStartIfNever?: boolean;
  /** Longest run; the run's signal aborts then and it is recorded as `timeout` (default 1 h). */
  timeoutMs?: number;
  /** Further attempts after a failure, with exponential backoff from `retryBackoffMs` (default 2 and 30 s). */
  retries?: number;
  retryBackoffMs?: number;
  /** The work; resolves to a result object kept in the run's history (bytes backed up, rows deleted …). */
  run(context: JobContext): Promise<Record<string, unknown> | void>;
}

/** How a run ended. */
export type RunState = 'running' | 'succeeded' | 'failed' | 'timeout' | 'abandoned' | 'interrupted' | 'missed' | 'pending';

/** One run as the history keeps it. */
export interface RunRecord {
  id: number;
  job: string;
  scheduledAt: Date;
  attempt: number;
  state: RunState;
  owner: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
}
