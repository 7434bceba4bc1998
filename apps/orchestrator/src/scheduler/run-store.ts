import type { RunRecord, RunState } from './job';
import type { SqlClient } from './sql-client';

interface Row {
  id: number | string;
  job: string;
  scheduled_at: number | string;
  attempt: number;
  state: RunState;
  owner: string | null;
  started_at: number | string | null;
  finished_at: number | string | null;
  error: string | null;
  progress: string | null;
  result: string | null;
}

const date = (value: number | string | null) => (value === null ? null : new Date(Number(value)));

function toRecord(row: Row): RunRecord {
  return {
    id: Number(row.id),
    job: row.job,
    scheduledAt: new Date(Number(row.scheduled_at)),
    attempt: Number(row.attempt),
    state: row.state,
    owner: row.owner,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    error: row.error,
    progress: row.progress ? (JSON.parse(row.progress) as Record<string, unknown>) : null,
    result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
  };
}

/**
 * Job runs in the profile's database. A run is one row per (job, scheduled time, attempt): inserting it
 * is how a replica claims it (the unique key lets exactly one win), and a partial unique index allows
 * one `running` row per job (no overlap, enforced by the database). A running row carries a lease its
 * owner renews; a row whose lease ran out is marked `abandoned` by whoever sees it first.
 */
export class RunStore {
  constructor(private readonly sql: SqlClient) {}

  /** Creates the tables (idempotent; replicas starting together may race PostgreSQL's IF NOT EXISTS, so a lost race is retried). */
  async ensure(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createTables();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || !['23505', '42P07', '42710'].includes(code ?? '')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  private async createTables(): Promise<void> {
    const id = this.sql.dialect === 'sqlite' ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : 'id BIGSERIAL PRIMARY KEY';
    await this.sql.query(`CREATE TABLE IF NOT EXISTS core_job_runs (${id}, job TEXT NOT NULL, scheduled_at BIGINT NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL, owner TEXT, lease_until BIGINT, not_before BIGINT, started_at BIGINT, finished_at BIGINT, error TEXT, progress TEXT, result TEXT, UNIQUE (job, scheduled_at, attempt))`);
    await this.sql.query("CREATE UNIQUE INDEX IF NOT EXISTS core_job_runs_one_running ON core_job_runs (job) WHERE state = 'running'");
    await this.sql.query('CREATE INDEX IF NOT EXISTS core_job_runs_by_job ON core_job_runs (job, scheduled_at)');
    await this.sql.query('CREATE TABLE IF NOT EXISTS core_jobs (name TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0)');
  }

  /** Claims the first attempt of an occurrence; undefined when another replica has it or the job is running. */
  async claim(job: string, scheduledAt: Date, owner: string, leaseMs: number, now = Date.now()): Promise<number | undefined> {
    try {
      const { rows } = await this.sql.query<{ id: number }>("INSERT INTO core_job_runs (job, scheduled_at, attempt, state, owner, lease_until, started_at) VALUES (?, ?, 1, 'running', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id", [job, scheduledAt.getTime(), owner, now + leaseMs, now]);
      return rows[0] ? Number(rows[0].id) : undefined;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /** Claims a pending retry whose time has come. */
  async claimRetry(job: string, owner: string, leaseMs: number, now = Date.now()): Promise<{ id: number; scheduledAt: Date; attempt: number } | undefined> {
    const { rows } = await this.sql.query<Row>("SELECT * FROM core_job_runs WHERE job = ? AND state = 'pending' AND not_before <= ? ORDER BY scheduled_at, attempt LIMIT 1", [job, now]);
    const row = rows[0];
    if (!row) return undefined;
    try {
      const { rowCount } = await this.sql.query("UPDATE core_job_runs SET state = 'running', owner = ?, lease_until = ?, started_at = ? WHERE id = ? AND state = 'pending'", [owner, now + leaseMs, now, row.id]);
      return rowCount === 1 ? { id: Number(row.id), scheduledAt: new Date(Number(row.scheduled_at)), attempt: Number(row.attempt) } : undefined;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined; // the job is running elsewhere: wait
      throw error;
    }
  }

  /** Renews a lease; false when the run is no longer ours (it was marked abandoned): the runner must stop. */
  async heartbeat(id: number, owner: string, leaseMs: number, progress: Record<string, unknown> | undefined, now = Date.now()): Promise<boolean> {
    const { rowCount } = await this.sql.query("UPDATE core_job_runs SET lease_until = ?, progress = COALESCE(?, progress) WHERE id = ? AND owner = ? AND state = 'running'", [now + leaseMs, progress ? JSON.stringify(progress) : null, id, owner]);
    return rowCount === 1;
  }

  /** Records how a run ended (only its owner can). */
  async finish(id: number, owner: string, state: RunState, details: { error?: string; result?: Record<string, unknown> }, now = Date.now()): Promise<boolean> {
    const { rowCount } = await this.sql.query("UPDATE core_job_runs SET state = ?, finished_at = ?, error = ?, result = ?, lease_until = NULL WHERE id = ? AND owner = ? AND state = 'running'", [state, now, details.error ?? null, details.result ? JSON.stringify(details.result) : null, id, owner]);
    return rowCount === 1;
  }

  /** Queues attempt `attempt` of an occurrence, not before `notBefore`. */
  async queueRetry(job: string, scheduledAt: Date, attempt: number, notBefore: number): Promise<void> {
    await this.sql.query("INSERT INTO core_job_runs (job, scheduled_at, attempt, state, not_before) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING", [job, scheduledAt.getTime(), attempt, notBefore]);
  }

  /** Records occurrences that will not run (missed while down, per the job's policy). */
  async recordMissed(job: string, occurrences: Date[], now = Date.now()): Promise<number> {
    let recorded = 0;
    for (const at of occurrences) {
      recorded += (await this.sql.query("INSERT INTO core_job_runs (job, scheduled_at, attempt, state, finished_at, error) VALUES (?, ?, 1, 'missed', ?, 'missed while no scheduler ran') ON CONFLICT DO NOTHING", [job, at.getTime(), now])).rowCount;
    }
    return recorded;
  }

  /** Marks runs whose lease expired as abandoned; returns those this caller marked. */
  async abandonExpired(now = Date.now()): Promise<RunRecord[]> {
    const { rows } = await this.sql.query<Row>("SELECT * FROM core_job_runs WHERE state = 'running' AND lease_until < ?", [now]);
    const marked: RunRecord[] = [];
    for (const row of rows) {
      const { rowCount } = await this.sql.query("UPDATE core_job_runs SET state = 'abandoned', finished_at = ?, error = 'its runner stopped renewing the lease (process killed or cut off)' WHERE id = ? AND state = 'running' AND lease_until < ?", [now, row.id, now]);
      if (rowCount === 1) marked.push(toRecord({ ...row, state: 'abandoned' }));
    }
    return marked;
  }

  /** The newest scheduled time recorded for a job (any state). */
  async lastScheduled(job: string): Promise<Date | undefined> {
    const { rows } = await this.sql.query<{ last: number | string | null }>('SELECT MAX(scheduled_at) AS last FROM core_job_runs WHERE job = ?', [job]);
    const last = rows[0]?.last;
    return last === null || last === undefined ? undefined : new Date(Number(last));
  }

  /** A job's runs, newest first. */
  async history(job: string | undefined, limit = 20): Promise<RunRecord[]> {
    const { rows } = job
      ? await this.sql.query<Row>('SELECT * FROM core_job_runs WHERE job = ? ORDER BY id DESC LIMIT ?', [job, limit])
      : await this.sql.query<Row>('SELECT * FROM core_job_runs ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map(toRecord);
  }

  /** Pauses or resumes a job (every replica honours it). */
  async setPaused(job: string, paused: boolean): Promise<void> {
    await this.sql.query('INSERT INTO core_jobs (name, paused) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET paused = excluded.paused', [job, paused ? 1 : 0]);
  }

  /** Names of paused jobs. */
  async paused(): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ name: string }>('SELECT name FROM core_jobs WHERE paused = 1');
    return new Set(rows.map((r) => r.name));
  }

  /** Deletes finished runs older than `keepMs`. */
  async prune(keepMs: number, now = Date.now()): Promise<number> {
    return (await this.sql.query("DELETE FROM core_job_runs WHERE state NOT IN ('running', 'pending') AND finished_at < ?", [now - keepMs])).rowCount;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT';
}
