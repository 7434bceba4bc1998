import type { RunContext } from '../context';
import type { LifecycleDatabase } from '../database/database';
import { batchDeadlines } from '../context';
import { ConcurrentChangeError, LifecycleAbortedError, PolicyBusyError, UnsupportedError } from '../errors';
import type { BatchRecord, RunRecord } from '../ledger/ledger';
import type { TablePolicy } from '../policy/policy-schema';
import type { LifecycleProgress } from '../progress';
import { DEFAULT_PAUSE_MS, pause, withLockRetry } from '../retry';
import { BatchSizer } from './batch-sizer';
import type { TablePlan } from './plan-table';
import { planTable } from './plan-table';
import type { BatchRow, TableTarget } from './table-target';
import { cutoffFor, deleteBatch, deleteKeys, keyJson, maxBatchFor, resolveTable, rowFingerprint, rowsBetween, selectRows } from './table-target';

/** What one run of a table policy did. */
export interface TableResult {
  policy: string;
  kind: 'table';
  action: TablePolicy['action'];
  runId: string;
  /** It finished a run an earlier process had started (crashed, cancelled or failed). */
  resumed: boolean;
  plan: TablePlan;
  rowsArchived: number;
  rowsDeleted: number;
  batches: number;
  /** Data keys of the archives this run wrote and verified. */
  archives: string[];
  lockTimeouts: number;
  /** Batches rolled back because rows changed between archive and delete. */
  changedBatches: number;
  durationMs: number;
}

class RowsChanged extends Error {}

/** True when the deleted rows are exactly the archived ones, byte for byte (by MD5 of the JSON where the database computes it). */
function sameRows(db: LifecycleDatabase, deleted: string[], archived: BatchRow[]): boolean {
  if (deleted.length !== archived.length) return false;
  const lines = new Set(archived.map((r) => rowFingerprint(db, r.json)));
  return deleted.every((fingerprint) => lines.has(fingerprint));
}

const parseKey = (json: string | undefined): unknown[] | undefined => (json === undefined ? undefined : (JSON.parse(json) as unknown[]));

/**
 * Runs a table policy: plan (or resume the unfinished run), then batches in keyset order. An archiving
 * batch is written, read back and checked, recorded as `archived`, and only then are exactly its
 * keys deleted — in the transaction that marks it `done`. A crash anywhere leaves the ledger able to
 * finish the batch (delete the verified archive's rows) or discard it (remove an unverified archive).
 */
export async function runTable(ctx: RunContext, policy: TablePolicy, dryRun = false): Promise<TableResult | TablePlan> {
  const started = Date.now();
  const target = await resolveTable(ctx.db, policy, batchDeadlines(ctx.limits));
  if (policy.action !== 'delete' && !ctx.archives) throw new UnsupportedError(`policy "${policy.name}" archives but the lifecycle has no archive store; pass archive: { storage }`);
  const sizer = new BatchSizer(policy.batch, maxBatchFor(ctx.db, target));
  if (dryRun) {
    const open = await ctx.ledger.unfinished(policy.name);
    const cutoff = open ? new Date(open.cutoff) : cutoffFor(policy, ctx.now);
    const startAfter = open ? undefined : policy.action === 'archive' ? parseKey(await ctx.ledger.watermark(policy.name)) : undefined;
    return { ...(await planTable(ctx, target, cutoff, startAfter, parseKey(open?.upTo), sizer.size)), resumes: open?.id };
  }
  let fresh: Omit<TablePlan, 'resumes'> | undefined;
  const { run, resumed } = await ctx.ledger.open(policy.name, policy.action, ctx.owner, ctx.limits.leaseMs, async () => {
    const cutoff = cutoffFor(policy, ctx.now);
    const startAfter = policy.action === 'archive' ? await ctx.ledger.watermark(policy.name) : undefined;
    fresh = await planTable(ctx, target, cutoff, parseKey(startAfter), undefined, sizer.size);
    return { cutoff: cutoff.toISOString(), upTo: fresh.keyRange ? keyJson(fresh.keyRange.last) : undefined, startAfter };
  });
  const runner = new TableRun(ctx, target, run, sizer);
  try {
    const after = await runner.settle();
    const plan: TablePlan = { ...(fresh ?? (await planTable(ctx, target, new Date(run.cutoff), after, parseKey(run.upTo), sizer.size))), resumes: resumed ? run.id : undefined };
    await runner.loop(after, plan.rows);
    const done = await ctx.ledger.finish(run, 'done');
    ctx.onProgress?.(runner.progress('done', plan.rows));
    return { policy: policy.name, kind: 'table', action: policy.action, runId: run.id, resumed, plan, rowsArchived: done.rowsArchived, rowsDeleted: done.rowsDeleted, batches: done.batches, archives: runner.archives, lockTimeouts: runner.lockTimeouts, changedBatches: runner.changed, durationMs: Date.now() - started };
  } catch (error) {
    if (!(error instanceof PolicyBusyError)) {
      await ctx.ledger.finish(run, error instanceof LifecycleAbortedError ? 'interrupted' : 'failed', (error as Error).message).catch(() => undefined);
    }
    throw error;
  }
}

/** The batches of one run. */
class TableRun {
  readonly archives: string[] = [];
  lockTimeouts = 0;
  changed = 0;
  #seq = 0;
  #archived = 0;
  #deleted = 0;
  #batches = 0;
  readonly #started = Date.now();

  constructor(
    readonly ctx: RunContext,
    readonly target: TableTarget,
    readonly run: RunRecord,
    readonly sizer: BatchSizer,
  ) {}

  get #policy(): TablePolicy {
    return this.target.policy;
  }

  get #cutoff(): Date {
    return new Date(this.run.cutoff);
  }

  /** Finishes what a crashed run left: removes unverified archives, deletes the rows of verified ones; returns the key to go on after. */
  async settle(): Promise<unknown[] | undefined> {
    const batches = await this.ctx.ledger.batchesOf(this.run.id);
    let after = parseKey(this.run.startAfter);
    for (const batch of batches) {
      this.#seq = Math.max(this.#seq, batch.seq + 1);
      if (batch.status === 'pending') {
        if (batch.archiveKey) await this.ctx.archives!.remove(batch.archiveKey);
        await this.ctx.ledger.updateBatch(undefined, this.run, batch.seq, { status: 'discarded', error: 'its archive was not verified before the run stopped' });
        continue;
      }
      if (batch.status === 'archived') await this.#finishArchived(batch);
      if (batch.status !== 'discarded') after = parseKey(batch.lastKey);
    }
    if (batches.length > 0) this.ctx.onProgress?.(this.progress('resume', undefined));
    return after;
  }

  /** Deletes the rows of a verified archive that are still in the table unchanged, and marks the batch done. */
  async #finishArchived(batch: BatchRecord): Promise<void> {
    const { ctx, target } = this;
    const manifest = await ctx.archives!.manifest(batch.archiveKey!);
    const lines = new Set(await ctx.archives!.lines(manifest));
    const { lockTimeouts } = await withLockRetry(ctx, this.#policy.name, this.#policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS, () => this.sizer.shrink(), () =>
      ctx.db.transaction(batchDeadlines(ctx.limits), async (tx) => {
        await ctx.ledger.heartbeat(tx, this.run);
        const rows = await rowsBetween(tx, ctx.db, target, parseKey(batch.firstKey)!, parseKey(batch.lastKey)!);
        const keys = rows.filter((row) => lines.has(row.json)).map((row) => row.key);
        const deleted = await deleteKeys(tx, ctx.db, target, this.#cutoff, keys, false);
        const kept = lines.size - deleted.length;
        await ctx.ledger.updateBatch(tx, this.run, batch.seq, { status: 'done', rowsArchived: batch.rowsArchived, rowsDeleted: deleted.length, ...(kept > 0 ? { error: `${kept} archived rows were gone or had changed when the run resumed; they were not deleted` } : {}) });
        this.#archived += batch.rowsArchived;
        this.#deleted += deleted.length;
        this.#batches++;
      }),
    );
    this.lockTimeouts += lockTimeouts;
    batch.status = 'done';
  }

  /** Batches until the planned range is exhausted. */
  async loop(start: unknown[] | undefined, total: number): Promise<void> {
    const { ctx } = this;
    const upTo = parseKey(this.run.upTo);
    if (!upTo) return;
    let after = start;
    const basePause = this.#policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS;
    for (;;) {
      if (ctx.signal?.aborted) throw new LifecycleAbortedError(this.#policy.name);
      const began = Date.now();
      const size = this.sizer.size;
      const outcome = this.#policy.action === 'delete' ? await this.#deleteBatch(after, upTo, size) : await this.#archiveBatch(after, upTo, size);
      if (outcome === 'changed') continue;
      if (!outcome) return;
      after = outcome.last;
      this.sizer.observe(Date.now() - began, outcome.rows);
      ctx.onProgress?.(this.progress(this.#policy.action === 'delete' ? 'delete' : 'archive', total));
      await this.#waitForReplicas();
      await pause(ctx, this.#policy.name, basePause);
    }
  }

  async #deleteBatch(after: unknown[] | undefined, upTo: unknown[], size: number): Promise<{ last: unknown[]; rows: number } | undefined> {
    const { ctx, target } = this;
    const { value, lockTimeouts } = await withLockRetry(ctx, this.#policy.name, this.#policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS, () => this.sizer.shrink(), () =>
      ctx.db.transaction(batchDeadlines(ctx.limits), async (tx) => {
        const began = Date.now();
        await ctx.ledger.heartbeat(tx, this.run);
        const limit = Math.min(size, this.sizer.size);
        const batch = await deleteBatch(tx, ctx.db, target, this.#cutoff, after, upTo, limit);
        if (!batch) return undefined;
        await ctx.ledger.addBatch(tx, this.run, { seq: this.#seq, status: 'done', firstKey: keyJson(batch.first), lastKey: keyJson(batch.last), archiveKey: undefined, sha256: undefined, rowsArchived: 0, rowsDeleted: batch.deleted, size: limit, durationMs: Date.now() - began, error: undefined });
        return { last: batch.last, rows: batch.deleted, deleted: batch.deleted };
      }),
    );
    this.lockTimeouts += lockTimeouts;
    if (!value) return undefined;
    this.#seq++;
    this.#batches++;
    this.#deleted += value.deleted;
    return value;
  }

  async #archiveBatch(after: unknown[] | undefined, upTo: unknown[], size: number): Promise<{ last: unknown[]; rows: number } | 'changed' | undefined> {
    const { ctx, target } = this;
    const policy = this.#policy;
    const retry = () => this.sizer.shrink();
    const basePause = policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS;
    const began = Date.now();
    const read = await withLockRetry(ctx, policy.name, basePause, retry, () => ctx.db.transaction(batchDeadlines(ctx.limits), (tx) => selectRows(tx, ctx.db, target, this.#cutoff, after, upTo, Math.min(size, this.sizer.size))));
    this.lockTimeouts += read.lockTimeouts;
    const rows = read.value;
    if (rows.length === 0) return undefined;
    const seq = this.#seq++;
    const archives = ctx.archives!;
    const dataKey = archives.dataKeyOf({ policy: policy.name, table: policy.table, runId: this.run.id, seq });
    const batch = { seq, firstKey: keyJson(rows[0]!.position), lastKey: keyJson(rows.at(-1)!.position), archiveKey: dataKey, sha256: undefined, rowsArchived: 0, rowsDeleted: 0, size: rows.length, durationMs: 0, error: undefined };
    await ctx.db.transaction(batchDeadlines(ctx.limits), async (tx) => {
      await ctx.ledger.heartbeat(tx, this.run);
      await ctx.ledger.addBatch(tx, this.run, { ...batch, status: 'pending' });
    });
    const manifest = await archives.write({ policy: policy.name, table: policy.table, runId: this.run.id, seq, keyColumns: target.keyset.map((k) => k.name), first: rows[0]!.position, last: rows.at(-1)!.position, columns: target.table.columns, lines: rows.map((r) => r.json) });
    if (policy.action === 'archive') {
      await ctx.ledger.updateBatch(undefined, this.run, seq, { status: 'done', sha256: manifest.sha256, rowsArchived: rows.length, durationMs: Date.now() - began });
      this.#archived += rows.length;
      this.#batches++;
      this.archives.push(dataKey);
      return { last: rows.at(-1)!.position, rows: rows.length };
    }
    await ctx.ledger.updateBatch(undefined, this.run, seq, { status: 'archived', sha256: manifest.sha256, rowsArchived: rows.length });
    try {
      const deleted = await withLockRetry(ctx, policy.name, basePause, retry, () =>
        ctx.db.transaction(batchDeadlines(ctx.limits), async (tx) => {
          await ctx.ledger.heartbeat(tx, this.run);
          const gone = await deleteKeys(tx, ctx.db, target, this.#cutoff, rows.map((r) => r.key), true);
          if (!sameRows(ctx.db, gone, rows)) throw new RowsChanged();
          await ctx.ledger.updateBatch(tx, this.run, seq, { status: 'done', rowsArchived: rows.length, rowsDeleted: gone.length, durationMs: Date.now() - began });
          return gone.length;
        }),
      );
      this.lockTimeouts += deleted.lockTimeouts;
      this.#archived += rows.length;
      this.#deleted += deleted.value;
      this.#batches++;
      this.archives.push(dataKey);
      return { last: rows.at(-1)!.position, rows: rows.length };
    } catch (error) {
      if (!(error instanceof RowsChanged)) throw error;
      // Rolled back: the rows changed after they were archived. Drop that archive and read the batch again.
      await archives.remove(dataKey);
      await ctx.ledger.updateBatch(undefined, this.run, seq, { status: 'discarded', error: 'rows changed between archive and delete; read again' });
      if (++this.changed > 3) throw new ConcurrentChangeError(policy.name, this.changed);
      return 'changed';
    }
  }

  /** While a standby replays more than the bound behind, halves the batch and waits (up to a minute). */
  async #waitForReplicas(): Promise<void> {
    const bound = this.#policy.batch?.maxReplicationLagMs;
    if (bound === undefined || !this.ctx.db.replicationLagMs) return;
    const until = Date.now() + 60_000;
    for (let lag = await this.ctx.db.replicationLagMs(); lag !== undefined && lag > bound && Date.now() < until; lag = await this.ctx.db.replicationLagMs()) {
      this.sizer.shrink();
      await pause(this.ctx, this.#policy.name, 500);
    }
  }

  /** A progress event from the counts so far. */
  progress(phase: 'resume' | 'archive' | 'delete' | 'done', total: number | undefined): LifecycleProgress {
    const rows = this.#policy.action === 'archive' ? this.#archived : this.#deleted;
    const rate = rows / Math.max((Date.now() - this.#started) / 1000, 0.001);
    return {
      policy: this.#policy.name,
      phase,
      batches: this.#batches,
      rowsArchived: this.#archived,
      rowsDeleted: this.#deleted,
      total,
      rate,
      etaSeconds: total === undefined || rate === 0 ? undefined : Math.max(0, (total - rows) / rate),
      batchSize: this.sizer.size,
    };
  }
}
