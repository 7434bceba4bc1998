import { InvalidOptionsError } from '../errors';
import { withDeadline } from './with-deadline';

/** What one check reports: `up`, `degraded` (working, with a problem worth a look) or `down`. */
export type HealthStatus = 'up' | 'degraded' | 'down';

/** A check's own answer; anything it throws counts as `down` with the error's message. */
export interface CheckOutcome {
  status: HealthStatus;
  detail?: string;
}

/** A registered check. */
export interface HealthCheck {
  name: string;
  run(signal: AbortSignal): Promise<CheckOutcome>;
  /** Deadline of one run (default 2 s): a check that does not answer in time is `down`. */
  timeoutMs?: number;
  /** A result younger than this is served from the cache (default 0: every report runs the check). */
  intervalMs?: number;
  /** A critical check that is down makes the whole report `down` (default true); others make it `degraded`. */
  critical?: boolean;
}

/** One check's result in a report. */
export interface CheckResult {
  name: string;
  status: HealthStatus;
  critical: boolean;
  detail?: string;
  /** How long the run took. */
  latencyMs: number;
  /** When it ran (a cached result keeps its time). */
  checkedAt: string;
  cached: boolean;
}

/** Every check's result and the overall status. */
export interface HealthReport {
  status: HealthStatus;
  checks: CheckResult[];
}

/**
 * A registry of health checks (the orchestrator's `/readyz`): each runs with its own deadline, results are
 * cached for `intervalMs`, concurrent reports share one run per check, and the overall status is `down`
 * when a critical check is down, `degraded` when any check is not up, else `up`.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, Required<Omit<HealthCheck, 'run'>> & Pick<HealthCheck, 'run'>>();
  private readonly last = new Map<string, CheckResult>();
  private readonly running = new Map<string, Promise<CheckResult>>();

  /** Adds a check; a second one with the same name is an `InvalidOptionsError`. */
  register(check: HealthCheck): this {
    if (!check.name) throw new InvalidOptionsError('a health check needs a name');
    if (this.checks.has(check.name)) throw new InvalidOptionsError(`a health check named ${check.name} is already registered`);
    const timeoutMs = check.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw new InvalidOptionsError(`${check.name}: timeoutMs must be above 0`);
    this.checks.set(check.name, { name: check.name, run: check.run, timeoutMs, intervalMs: check.intervalMs ?? 0, critical: check.critical ?? true });
    return this;
  }

  /** Runs (or serves from the cache) every check; never throws. */
  async report(): Promise<HealthReport> {
    const checks = await Promise.all([...this.checks.values()].map((check) => this.result(check.name)));
    const status: HealthStatus = checks.some((c) => c.critical && c.status === 'down') ? 'down' : checks.some((c) => c.status !== 'up') ? 'degraded' : 'up';
    return { status, checks };
  }

  private result(name: string): Promise<CheckResult> {
    const check = this.checks.get(name)!;
    const cached = this.last.get(name);
    if (cached && Date.now() - Date.parse(cached.checkedAt) < check.intervalMs) return Promise.resolve({ ...cached, cached: true });
    const inFlight = this.running.get(name);
    if (inFlight) return inFlight;
    const started = Date.now();
    const run = withDeadline(name, check.timeoutMs, (signal) => check.run(signal))
      .then(
        (outcome): CheckResult => ({ name, status: outcome.status, critical: check.critical, ...(outcome.detail ? { detail: outcome.detail } : {}), latencyMs: Date.now() - started, checkedAt: new Date(started).toISOString(), cached: false }),
        (error: Error): CheckResult => ({ name, status: 'down', critical: check.critical, detail: error.message, latencyMs: Date.now() - started, checkedAt: new Date(started).toISOString(), cached: false }),
      )
      .then((result) => {
        this.last.set(name, result);
        this.running.delete(name);
        return result;
      });
    this.running.set(name, run);
    return run;
  }
}
