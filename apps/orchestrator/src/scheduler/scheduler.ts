import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { JobDefinition, RunRecord, RunState } from './job';
import type { RunStore } from './run-store';
import { Schedule } from './schedule';

/** Options of the scheduler. */
export interface SchedulerOptions {
  store: RunStore;
  jobs: JobDefinition[];
  logger: Logger;
  /** How often due work is looked for (default 1 s). */
  tickMs?: number;
  /** Lease of a running run; renewed every third of it (default 30 s). */
  leaseMs?: number;
  /** Finished runs are kept this long (default 30 days). */
  historyMs?: number;
  /** Identity of this replica in run rows (default host:pid:random). */
  owner?: string;
  /** Called when a run ends (metrics). */
  onRunEnd?: (job: string, state: RunState, seconds: number) => void;
  /** Called for each occurrence recorded as missed. */
  onMissed?: (job: string, count: number) => void;
  now?: () => number;
}

/** What `status()` says of a job. */
export interface JobStatus {
  name: string;
  schedule: string;
  timezone: string;
  paused: boolean;
  running: boolean;
  nextRun: Date | undefined;
  lastRun: RunRecord | undefined;
  lastSuccess: Date | undefined;
}

interface Active {
  id: number;
  controller: AbortController;
  done: Promise<void>;
  progress: Record<string, unknown> | undefined;
}

const DEFAULT_CATCH_UP_MS = 24 * 3_600_000;
/** The scheduled time of a job's first run when it runs on start: the same for every replica. */
const INITIAL_RUN = new Date(0);

/**
 * Runs each job's occurrences exactly once across replicas sharing one database: a replica claims an
 * occurrence by inserting its run row (one wins), renews the run's lease while it works, and records how
 * it ended. A run whose lease expires (its process died) is marked abandoned by any replica and retried
 * per the job's policy; the database allows one running row per job, so a job never overlaps itself.
 */
export class Scheduler {
  readonly owner: string;
  private readonly schedules = new Map<string, Schedule>();
  private readonly jobs = new Map<string, JobDefinition>();
  private readonly active = new Map<string, Active>();
  private readonly started = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopping = false;
  private lastPrune = 0;
  private readonly now: () => number;

  /** Validates every job's schedule and zone (a `ScheduleError` names the job and the field). */
  constructor(private readonly options: SchedulerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.now = options.now ?? Date.now;
    for (const job of options.jobs) {
      if (this.jobs.has(job.name)) throw new Error(`two jobs are named "${job.name}"`);
      this.schedules.set(job.name, new Schedule(job.name, job.schedule, job.timezone));
      this.jobs.set(job.name, job);
    }
  }

  /** Creates the tables and starts ticking. */
  async start(): Promise<void> {
    await this.options.store.ensure();
    for (const job of this.jobs.values()) this.started.set(job.name, this.now());
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 1_000);
    this.timer.unref();
    void this.tick();
  }

  /** One pass: expire dead leases, then claim and start what is due. Never throws (a failed pass is logged). */
  tick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.ticking ??= this.pass()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'scheduler pass failed; retrying next tick'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async pass(): Promise<void> {
    const store = this.options.store;
    const now = this.now();
    for (const run of await store.abandonExpired(now)) {
      this.options.logger.warn({ job: run.job, run: run.id }, 'run abandoned: its lease expired');
      this.options.onRunEnd?.(run.job, 'abandoned', 0);
      await this.queueRetryIfAllowed(run.job, run.scheduledAt, run.attempt, now, false);
    }
    const paused = await store.paused();
    for (const job of this.jobs.values()) {
      if (this.stopping || paused.has(job.name) || this.active.has(job.name)) continue;
      const retry = await store.claimRetry(job.name, this.owner, this.leaseMs, now);
      if (retry) {
        this.launch(job, retry.id, retry.scheduledAt, retry.attempt);
        continue;
      }
      const due = await this.dueOccurrence(job, now);
      if (!due) continue;
      const id = await store.claim(job.name, due, this.owner, this.leaseMs, now);
      if (id !== undefined) this.launch(job, id, due, 1);
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await store.prune(this.options.historyMs ?? 30 * 86_400_000, now);
    }
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 30_000;
  }

  /**
   * The occurrence to run now, per the missed-run policy; the others due are recorded as missed. The
   * first run of a job with `runOnStartIfNever` is the occurrence "epoch 0" (one row, so one replica).
   */
  private async dueOccurrence(job: JobDefinition, now: number): Promise<Date | undefined> {
    const schedule = this.schedules.get(job.name)!;
    const last = await this.options.store.lastScheduled(job.name);
    if (!last && job.runOnStartIfNever) return INITIAL_RUN;
    // Nothing recorded yet (or only the initial run): look back no further than this scheduler's start.
    const from = !last || last.getTime() === INITIAL_RUN.getTime() ? new Date(this.started.get(job.name)! - 1) : last;
    const due = schedule.between(from, new Date(now));
    if (due.length === 0) return undefined;
    const window = job.catchUpWithinMs ?? DEFAULT_CATCH_UP_MS;
    const inWindow = due.filter((at) => now - at.getTime() <= window);
    const onTime = (at: Date) => now - at.getTime() <= Math.max(5 * (this.options.tickMs ?? 1_000), 5_000);
    let run: Date | undefined;
    let missed: Date[];
    switch (job.missed ?? 'once') {
      case 'all':
        run = inWindow[0];
        missed = due.filter((at) => !inWindow.includes(at));
        break;
      case 'once':
        run = inWindow.at(-1);
        missed = due.filter((at) => at !== run);
        break;
      case 'skip':
        run = onTime(due.at(-1)!) ? due.at(-1) : undefined;
        missed = due.filter((at) => at !== run);
        break;
    }
    if (missed.length > 0) {
      const recorded = await this.options.store.recordMissed(job.name, missed, now);
      if (recorded > 0) {
        this.options.onMissed?.(job.name, recorded);
        this.options.logger.warn({ job: job.name, missed: recorded }, 'occurrences missed while no scheduler ran');
      }
    }
    return run;
  }

  private launch(job: JobDefinition, id: number, scheduledAt: Date, attempt: number): void {
    const controller = new AbortController();
    const entry: Active = { id, controller, done: Promise.resolve(), progress: undefined };
    this.active.set(job.name, entry);
    entry.done = this.execute(job, entry, scheduledAt, attempt).finally(() => this.active.delete(job.name));
  }

  private async execute(job: JobDefinition, entry: Active, scheduledAt: Date, attempt: number): Promise<void> {
    const store = this.options.store;
    const started = this.now();
    const timeoutMs = job.timeoutMs ?? 3_600_000;
    let reason: 'timeout' | 'lease' | undefined;
    const timeout = setTimeout(() => {
      reason = 'timeout';
      entry.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const heartbeat = setInterval(() => {
      void store.heartbeat(entry.id, this.owner, this.leaseMs, entry.progress).then(
        (ours) => {
          if (ours || entry.controller.signal.aborted) return;
          reason = 'lease';
          entry.controller.abort(new Error('lease lost'));
        },
        () => undefined, // the database is unreachable: keep working; the lease decides
      );
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    this.options.logger.info({ job: job.name, run: entry.id, scheduledAt, attempt }, 'run started');
    let state: RunState = 'succeeded';
    let error: string | undefined;
    let result: Record<string, unknown> | undefined;
    try {
      result = (await job.run({ scheduledAt, attempt, signal: entry.controller.signal, progress: (p) => (entry.progress = p) })) ?? undefined;
      if (entry.controller.signal.aborted) throw entry.controller.signal.reason;
    } catch (caught) {
      state = reason === 'timeout' ? 'timeout' : this.stopping ? 'interrupted' : 'failed';
      error = caught instanceof Error ? `${(caught as { code?: string }).code ? `${(caught as { code?: string }).code}: ` : ''}${caught.message}` : String(caught);
    } finally {
      clearTimeout(timeout);
      clearInterval(heartbeat);
    }
    const seconds = (this.now() - started) / 1000;
    if (reason === 'lease') {
      this.options.logger.warn({ job: job.name, run: entry.id }, 'run stopped: another replica declared it abandoned');
      return;
    }
    await store.finish(entry.id, this.owner, state, { ...(error ? { error } : {}), ...(result ? { result } : {}) }).catch((e: unknown) => this.options.logger.error({ err: e, job: job.name }, 'could not record the end of a run'));
    this.options.onRunEnd?.(job.name, state, seconds);
    this.options.logger[state === 'succeeded' ? 'info' : 'warn']({ job: job.name, run: entry.id, state, seconds, error }, 'run ended');
    if (state !== 'succeeded') await this.queueRetryIfAllowed(job.name, scheduledAt, attempt, this.now(), state !== 'interrupted').catch(() => undefined);
  }

  /** Queues the next attempt: after a backoff when the job failed, at once when its process died or stopped. */
  private async queueRetryIfAllowed(name: string, scheduledAt: Date, attempt: number, now: number, backoff: boolean): Promise<void> {
    const job = this.jobs.get(name);
    if (!job || attempt > (job.retries ?? 2)) return;
    const wait = backoff ? (job.retryBackoffMs ?? 30_000) * 2 ** (attempt - 1) : 0;
    await this.options.store.queueRetry(name, scheduledAt, attempt + 1, now + wait);
  }

  /** Runs a job now (`core jobs run`, "run now"): an occurrence at the current time, claimed like any other. */
  async runNow(name: string): Promise<number | undefined> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job "${name}"`);
    if (this.active.has(name)) return undefined;
    const at = new Date(this.now());
    const id = await this.options.store.claim(name, at, this.owner, this.leaseMs, at.getTime());
    if (id !== undefined) this.launch(job, id, at, 1);
    return id;
  }

  /** Waits for the run of `name` this replica has going, if any. */
  async settle(name: string): Promise<void> {
    await this.active.get(name)?.done;
  }

  /** Recent runs of one job or of all, newest first. */
  history(job: string | undefined, limit = 20): Promise<RunRecord[]> {
    return this.options.store.history(job, limit);
  }

  /** Every job's schedule, next run, last run and last success. */
  async status(): Promise<JobStatus[]> {
    const paused = await this.options.store.paused();
    const out: JobStatus[] = [];
    for (const job of this.jobs.values()) {
      const history = await this.options.store.history(job.name, 50);
      out.push({
        name: job.name,
        schedule: job.schedule,
        timezone: job.timezone ?? 'UTC',
        paused: paused.has(job.name),
        running: history.some((r) => r.state === 'running'),
        nextRun: this.schedules.get(job.name)!.next(new Date(this.now())),
        lastRun: history.find((r) => r.state !== 'pending' && r.state !== 'missed'),
        lastSuccess: history.find((r) => r.state === 'succeeded')?.finishedAt ?? undefined,
      });
    }
    return out;
  }

  /** Stops claiming, aborts running runs (recorded `interrupted`, retried per policy) and waits up to `drainMs`. */
  async stop(drainMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    for (const entry of this.active.values()) entry.controller.abort(new Error('the orchestrator is shutting down'));
    const all = Promise.all([...this.active.values()].map((entry) => entry.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
  }
}
