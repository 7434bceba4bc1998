import { randomUUID } from 'node:crypto';
import type { LifecycleDatabase, SqlRunner, TransactionOptions } from '../database/database';
import { PolicyBusyError } from '../errors';

/** State of a run in the ledger. */
export type RunStatus = 'running' | 'done' | 'failed' | 'interrupted';
/** State of a batch: `pending` (archive being written), `archived` (verified, rows not yet deleted), `done`, `discarded` (its archive removed, rows kept). */
export type BatchStatus = 'pending' | 'archived' | 'done' | 'discarded';

/** One run of one policy as the ledger holds it. */
export interface RunRecord {
  id: string;
  policy: string;
  action: string;
  status: RunStatus;
  owner: string;
  startedAt: string;
  endedAt: string | undefined;
  /** The age cut-off the run was planned with (ISO), kept when it resumes. */
  cutoff: string;
  /** Last key of the planned range (JSON), kept when it resumes. */
  upTo: string | undefined;
  /** Key the run started after (JSON; an archive-only policy goes on from its last run). */
  startAfter: string | undefined;
  rowsArchived: number;
  rowsDeleted: number;
  batches: number;
  error: string | undefined;
}

/** One batch (or, for partition policies, one partition) as the ledger holds it. */
export interface BatchRecord {
  runId: string;
  seq: number;
  status: BatchStatus;
  firstKey: string;
  lastKey: string;
  archiveKey: string | undefined;
  sha256: string | undefined;
  rowsArchived: number;
  rowsDeleted: number;
  size: number;
  durationMs: number;
  error: string | undefined;
}

const QUICK: TransactionOptions = { lockTimeoutMs: 5_000, statementTimeoutMs: 15_000 };

/** Maps a snake_case row to a record, numbers included (PostgreSQL returns BIGINT as text). */
function runOf(row: Record<string, unknown>): RunRecord {
  return {
    id: String(row.id),
    policy: String(row.policy),
    action: String(row.action),
    status: row.status as RunStatus,
    owner: String(row.owner),
    startedAt: String(row.started_at),
    endedAt: (row.ended_at as string | null) ?? undefined,
    cutoff: String(row.cutoff),
    upTo: (row.up_to as string | null) ?? undefined,
    startAfter: (row.start_after as string | null) ?? undefined,
    rowsArchived: Number(row.rows_archived),
    rowsDeleted: Number(row.rows_deleted),
    batches: Number(row.batches),
    error: (row.error as string | null) ?? undefined,
  };
}

function batchOf(row: Record<string, unknown>): BatchRecord {
  return {
    runId: String(row.run_id),
    seq: Number(row.seq),
    status: row.status as BatchStatus,
    firstKey: String(row.first_key),
    lastKey: String(row.last_key),
    archiveKey: (row.archive_key as string | null) ?? undefined,
    sha256: (row.sha256 as string | null) ?? undefined,
    rowsArchived: Number(row.rows_archived),
    rowsDeleted: Number(row.rows_deleted),
    size: Number(row.size),
    durationMs: Number(row.duration_ms),
    error: (row.error as string | null) ?? undefined,
  };
}

/**
 * The run ledger: two tables in the database the policies run against, so a batch's delete and its
 * ledger entry commit in one transaction. A run holds a lease (owner + heartbeat); a run whose
 * heartbeat is older than the lease is taken over and resumed by the next runner.
 */
export class Ledger {
  readonly #db: LifecycleDatabase;
  /** Table of runs. */
  readonly runs: string;
  /** Table of batches. */
  readonly batches: string;
  /** Receipts of erasures. */
  readonly erasures: string;
  #ready: Promise<void> | undefined;

  constructor(db: LifecycleDatabase, prefix = 'core_lifecycle') {
    this.#db = db;
    this.runs = `${prefix}_runs`;
    this.batches = `${prefix}_batches`;
    this.erasures = `${prefix}_erasures`;
  }

  #p(i: number): string {
    return this.#db.placeholder(i);
  }

  /** Creates the ledger tables when missing (once per instance). */
  ensure(): Promise<void> {
    this.#ready ??= this.#db
      .transaction({ lockTimeoutMs: 10_000, statementTimeoutMs: 30_000 }, async (tx) => {
        const big = this.#db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
        await tx.query(`CREATE TABLE IF NOT EXISTS ${this.runs} (
          id TEXT PRIMARY KEY, policy TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL, owner TEXT NOT NULL,
          heartbeat_ms ${big} NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, cutoff TEXT NOT NULL, up_to TEXT, start_after TEXT,
          rows_archived ${big} NOT NULL DEFAULT 0, rows_deleted ${big} NOT NULL DEFAULT 0, batches ${big} NOT NULL DEFAULT 0, error TEXT)`);
        // One unfinished run per policy: a second runner starting at the same moment fails on this index instead of running twice.
        await tx.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${this.runs}_open ON ${this.runs} (policy) WHERE status IN ('running', 'failed', 'interrupted')`);
        await tx.query(`CREATE INDEX IF NOT EXISTS ${this.runs}_policy ON ${this.runs} (policy, started_at)`);
        await tx.query(`CREATE TABLE IF NOT EXISTS ${this.batches} (
          run_id TEXT NOT NULL, seq ${big} NOT NULL, policy TEXT NOT NULL, status TEXT NOT NULL, first_key TEXT NOT NULL, last_key TEXT NOT NULL,
          archive_key TEXT, sha256 TEXT, rows_archived ${big} NOT NULL DEFAULT 0, rows_deleted ${big} NOT NULL DEFAULT 0,
          size ${big} NOT NULL DEFAULT 0, duration_ms ${big} NOT NULL DEFAULT 0, error TEXT, at TEXT NOT NULL, PRIMARY KEY (run_id, seq))`);
      })
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    return this.#ready;
  }

  /** The unfinished run of a policy (running, failed or interrupted), if any. */
  async unfinished(policy: string): Promise<RunRecord | undefined> {
    await this.ensure();
    const rows = await this.#db.transaction(QUICK, (tx) => tx.query(`SELECT * FROM ${this.runs} WHERE policy = ${this.#p(1)} AND status IN ('running', 'failed', 'interrupted')`, [policy]));
    return rows[0] ? runOf(rows[0]) : undefined;
  }

  /**
   * Takes the policy's unfinished run over when its lease has expired (or it is not running), or
   * starts `fresh()` when there is none; throws `PolicyBusyError` while another runner heartbeats.
   */
  async open(policy: string, action: string, owner: string, leaseMs: number, fresh: () => Promise<{ cutoff: string; upTo: string | undefined; startAfter: string | undefined }>): Promise<{ run: RunRecord; resumed: boolean }> {
    const open = await this.unfinished(policy);
    const now = Date.now();
    if (open) {
      const rows = await this.#db.transaction(QUICK, (tx) =>
        tx.query(
          `UPDATE ${this.runs} SET owner = ${this.#p(1)}, heartbeat_ms = ${this.#p(2)}, status = 'running', error = NULL
            WHERE id = ${this.#p(3)} AND (status <> 'running' OR heartbeat_ms < ${this.#p(4)} OR owner = ${this.#p(1)}) RETURNING *`,
          [owner, now, open.id, now - leaseMs],
        ),
      );
      if (!rows[0]) throw new PolicyBusyError(policy, open.owner);
      return { run: runOf(rows[0]), resumed: true };
    }
    const planned = await fresh();
    try {
      const rows = await this.#db.transaction(QUICK, (tx) =>
        tx.query(
          `INSERT INTO ${this.runs} (id, policy, action, status, owner, heartbeat_ms, started_at, cutoff, up_to, start_after)
           VALUES (${this.#p(1)}, ${this.#p(2)}, ${this.#p(3)}, 'running', ${this.#p(4)}, ${this.#p(5)}, ${this.#p(6)}, ${this.#p(7)}, ${this.#p(8)}, ${this.#p(9)}) RETURNING *`,
          [randomUUID(), policy, action, owner, now, new Date(now).toISOString(), planned.cutoff, planned.upTo ?? null, planned.startAfter ?? null],
        ),
      );
      return { run: runOf(rows[0]!), resumed: false };
    } catch (error) {
      const again = await this.unfinished(policy);
      if (again) throw new PolicyBusyError(policy, again.owner);
      throw error;
    }
  }

  /** Renews the lease inside `tx`; throws `PolicyBusyError` when another runner has taken the run over. */
  async heartbeat(tx: SqlRunner, run: RunRecord): Promise<void> {
    const rows = await tx.query(`UPDATE ${this.runs} SET heartbeat_ms = ${this.#p(1)} WHERE id = ${this.#p(2)} AND owner = ${this.#p(3)} RETURNING id`, [Date.now(), run.id, run.owner]);
    if (rows.length === 0) throw new PolicyBusyError(run.policy, 'another runner (this one lost its lease)');
  }

  /** Records a new batch (inside `tx` when given). */
  async addBatch(tx: SqlRunner | undefined, run: RunRecord, batch: Omit<BatchRecord, 'runId'>): Promise<void> {
    const write = (runner: SqlRunner) =>
      runner.query(
        `INSERT INTO ${this.batches} (run_id, seq, policy, status, first_key, last_key, archive_key, sha256, rows_archived, rows_deleted, size, duration_ms, error, at)
         VALUES (${[...Array(14).keys()].map((i) => this.#p(i + 1)).join(', ')})`,
        [run.id, batch.seq, run.policy, batch.status, batch.firstKey, batch.lastKey, batch.archiveKey ?? null, batch.sha256 ?? null, batch.rowsArchived, batch.rowsDeleted, batch.size, batch.durationMs, batch.error ?? null, new Date().toISOString()],
      );
    const writeAndCount = async (runner: SqlRunner) => {
      await write(runner);
      if (batch.status === 'done') await this.#count(runner, run, batch.rowsArchived, batch.rowsDeleted);
    };
    if (tx) await writeAndCount(tx);
    else await this.#db.transaction(QUICK, writeAndCount);
  }

  async #count(tx: SqlRunner, run: RunRecord, archived: number, deleted: number): Promise<void> {
    await tx.query(`UPDATE ${this.runs} SET rows_archived = rows_archived + ${this.#p(1)}, rows_deleted = rows_deleted + ${this.#p(2)}, batches = batches + 1 WHERE id = ${this.#p(3)}`, [archived, deleted, run.id]);
  }

  /** Moves a batch to a new state with its counts (inside `tx` when given); a `done` batch adds its counts to the run. */
  async updateBatch(tx: SqlRunner | undefined, run: RunRecord, seq: number, change: Partial<Pick<BatchRecord, 'status' | 'sha256' | 'rowsArchived' | 'rowsDeleted' | 'durationMs' | 'error'>>): Promise<void> {
    const write = async (runner: SqlRunner) => {
      const columns: Record<string, unknown> = { status: change.status, sha256: change.sha256, rows_archived: change.rowsArchived, rows_deleted: change.rowsDeleted, duration_ms: change.durationMs, error: change.error };
      const set = Object.entries(columns).filter(([, v]) => v !== undefined);
      await runner.query(`UPDATE ${this.batches} SET ${set.map(([c], i) => `${c} = ${this.#p(i + 1)}`).join(', ')} WHERE run_id = ${this.#p(set.length + 1)} AND seq = ${this.#p(set.length + 2)}`, [...set.map(([, v]) => v), run.id, seq]);
      if (change.status === 'done') await this.#count(runner, run, change.rowsArchived ?? 0, change.rowsDeleted ?? 0);
    };
    if (tx) await write(tx);
    else await this.#db.transaction(QUICK, write);
  }

  /** Ends a run with its final state. */
  async finish(run: RunRecord, status: Exclude<RunStatus, 'running'>, error?: string): Promise<RunRecord> {
    const rows = await this.#db.transaction(QUICK, (tx) =>
      tx.query(`UPDATE ${this.runs} SET status = ${this.#p(1)}, ended_at = ${this.#p(2)}, error = ${this.#p(3)} WHERE id = ${this.#p(4)} RETURNING *`, [status, new Date().toISOString(), error ?? null, run.id]),
    );
    return runOf(rows[0]!);
  }

  /** Batches of a run in order. */
  async batchesOf(runId: string): Promise<BatchRecord[]> {
    await this.ensure();
    const rows = await this.#db.transaction(QUICK, (tx) => tx.query(`SELECT * FROM ${this.batches} WHERE run_id = ${this.#p(1)} ORDER BY seq`, [runId]));
    return rows.map(batchOf);
  }

  /** Last key of the newest `done` batch of a policy over all runs (where an archive-only policy goes on from). */
  async watermark(policy: string): Promise<string | undefined> {
    await this.ensure();
    const rows = await this.#db.transaction(QUICK, (tx) =>
      tx.query<{ last_key: string }>(`SELECT b.last_key FROM ${this.batches} b JOIN ${this.runs} r ON r.id = b.run_id WHERE b.policy = ${this.#p(1)} AND b.status = 'done' ORDER BY r.started_at DESC, b.seq DESC LIMIT 1`, [policy]),
    );
    return rows[0]?.last_key;
  }

  /** Newest runs first, of one policy or all. */
  async history(policy?: string, limit = 20): Promise<RunRecord[]> {
    await this.ensure();
    const rows = await this.#db.transaction(QUICK, (tx) =>
      policy
        ? tx.query(`SELECT * FROM ${this.runs} WHERE policy = ${this.#p(1)} ORDER BY started_at DESC LIMIT ${Number(limit)}`, [policy])
        : tx.query(`SELECT * FROM ${this.runs} ORDER BY started_at DESC LIMIT ${Number(limit)}`),
    );
    return rows.map(runOf);
  }
}
