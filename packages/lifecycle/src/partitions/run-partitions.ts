import type { RunContext } from '../context';
import { batchDeadlines } from '../context';
import type { PartitionInfo } from '../database/database';
import { quoteTable } from '../database/database';
import { LifecycleAbortedError, PolicyBusyError, UnknownIdentifierError, UnsupportedError } from '../errors';
import type { RunRecord } from '../ledger/ledger';
import type { PartitionPolicy, TablePolicy } from '../policy/policy-schema';
import { DEFAULT_PAUSE_MS, withLockRetry } from '../retry';
import { resolveTable, selectRows } from '../table/table-target';
import { cutoffFor } from '../table/table-target';

/** What a partition policy would do. */
export interface PartitionPlan {
  policy: string;
  kind: 'partitions';
  action: PartitionPolicy['action'];
  table: string;
  cutoff: string;
  /** Partitions whose whole range is older than the cut-off, oldest first. */
  partitions: Array<{ name: string; upperBound: string }>;
  /** Partitions kept although past the age, and why. */
  kept: Array<{ name: string; reason: string }>;
  resumes: string | undefined;
}

/** What one run of a partition policy did. */
export interface PartitionResult {
  policy: string;
  kind: 'partitions';
  action: PartitionPolicy['action'];
  runId: string;
  resumed: boolean;
  plan: PartitionPlan;
  detached: string[];
  dropped: string[];
  rowsArchived: number;
  archives: string[];
  durationMs: number;
}

/** Rows per archive of a detached partition: fixed, so a resumed run rewrites the same objects instead of adding new ones. */
const PARTITION_CHUNK = 50_000;

/** Partitions past the age, never the default one, one that can still receive rows, or the last one left (pg_partman's rule). */
function choose(parts: PartitionInfo[], cutoff: Date, now: Date): { chosen: PartitionInfo[]; kept: PartitionPlan['kept'] } {
  const kept: PartitionPlan['kept'] = [];
  const ranged = parts.filter((p) => !p.isDefault);
  const chosen = ranged.filter((p) => p.upperBound !== undefined && p.upperBound <= cutoff && p.upperBound <= now).sort((a, b) => a.upperBound!.getTime() - b.upperBound!.getTime());
  if (chosen.length > 0 && chosen.length === ranged.length) kept.push({ name: chosen.pop()!.name, reason: 'it is the last partition left; a partitioned table keeps at least one' });
  return { chosen, kept };
}

/** Plans or runs a partition policy (PostgreSQL declarative range partitioning). */
export async function runPartitions(ctx: RunContext, policy: PartitionPolicy, dryRun = false): Promise<PartitionResult | PartitionPlan> {
  const started = Date.now();
  const { db } = ctx;
  if (!db.partitions) throw new UnsupportedError(`policy "${policy.name}": ${db.dialect} has no declarative partitions`);
  const table = await db.describe(policy.table);
  if (!table) throw new UnknownIdentifierError(policy.name, policy.table, `table "${policy.table}" does not exist`);
  if (!table.partitioned) throw new UnknownIdentifierError(policy.name, policy.table, `table "${policy.table}" is not partitioned; use a table policy`);
  if (policy.action === 'archive-then-drop' && !ctx.archives) throw new UnsupportedError(`policy "${policy.name}" archives but the lifecycle has no archive store`);
  const open = await ctx.ledger.unfinished(policy.name);
  const cutoff = open ? new Date(open.cutoff) : cutoffFor(policy, ctx.now);
  const { chosen, kept } = choose(await db.partitions(policy.table), cutoff, ctx.now);
  const plan: PartitionPlan = { policy: policy.name, kind: 'partitions', action: policy.action, table: policy.table, cutoff: cutoff.toISOString(), partitions: chosen.map((p) => ({ name: p.name, upperBound: p.upperBound!.toISOString() })), kept, resumes: open?.id };
  if (dryRun) return plan;
  const { run, resumed } = await ctx.ledger.open(policy.name, policy.action, ctx.owner, ctx.limits.leaseMs, async () => ({ cutoff: cutoff.toISOString(), upTo: undefined, startAfter: undefined }));
  const result: PartitionResult = { policy: policy.name, kind: 'partitions', action: policy.action, runId: run.id, resumed, plan, detached: [], dropped: [], rowsArchived: 0, archives: [], durationMs: 0 };
  try {
    const batches = await ctx.ledger.batchesOf(run.id);
    let seq = batches.reduce((max, b) => Math.max(max, b.seq + 1), 0);
    // A partition detached by the crashed run is no longer among the parent's: finish those first.
    const pending = batches.filter((b) => b.status === 'pending').map((b) => ({ name: (JSON.parse(b.firstKey) as string[])[0]!, seq: b.seq }));
    const todo = [...pending, ...chosen.filter((p) => !pending.some((q) => q.name === p.name)).map((p) => ({ name: p.name, seq: -1 }))];
    for (const part of todo) {
      if (ctx.signal?.aborted) throw new LifecycleAbortedError(policy.name);
      if (part.seq < 0) part.seq = await detach(ctx, run, policy, part.name, seq++);
      result.detached.push(part.name);
      if (policy.action === 'detach') continue;
      let rows = 0;
      if (policy.action === 'archive-then-drop') {
        const archived = await archivePartition(ctx, run, policy, part.name, part.seq);
        rows = archived.rows;
        result.archives.push(...archived.keys);
      }
      await withLockRetry(ctx, policy.name, policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS, () => undefined, () =>
        db.transaction(batchDeadlines(ctx.limits), async (tx) => {
          await ctx.ledger.heartbeat(tx, run);
          await tx.query(`DROP TABLE IF EXISTS ${quoteTable(part.name)}`);
          await ctx.ledger.updateBatch(tx, run, part.seq, { status: 'done', rowsArchived: rows });
        }),
      );
      result.dropped.push(part.name);
      result.rowsArchived += rows;
      ctx.onProgress?.({ policy: policy.name, phase: 'delete', batches: result.dropped.length, rowsArchived: result.rowsArchived, rowsDeleted: 0, total: todo.length, rate: 0, etaSeconds: undefined, batchSize: 1 });
    }
    await ctx.ledger.finish(run, 'done');
    return { ...result, durationMs: Date.now() - started };
  } catch (error) {
    if (!(error instanceof PolicyBusyError)) await ctx.ledger.finish(run, error instanceof LifecycleAbortedError ? 'interrupted' : 'failed', (error as Error).message).catch(() => undefined);
    throw error;
  }
}

/** Detaches one partition and records it in the same transaction (`detach` policies are done then). */
async function detach(ctx: RunContext, run: RunRecord, policy: PartitionPolicy, name: string, seq: number): Promise<number> {
  await withLockRetry(ctx, policy.name, policy.batch?.pauseMs ?? DEFAULT_PAUSE_MS, () => undefined, () =>
    ctx.db.transaction(batchDeadlines(ctx.limits), async (tx) => {
      await ctx.ledger.heartbeat(tx, run);
      await tx.query(`ALTER TABLE ${quoteTable(policy.table)} DETACH PARTITION ${quoteTable(name)}`);
      const status = policy.action === 'detach' ? 'done' : 'pending';
      await ctx.ledger.addBatch(tx, run, { seq, status, firstKey: JSON.stringify([name]), lastKey: JSON.stringify([name]), archiveKey: undefined, sha256: undefined, rowsArchived: 0, rowsDeleted: 0, size: 0, durationMs: 0, error: undefined });
    }),
  );
  return seq;
}

/** Archives every row of a detached partition in fixed chunks, each read back and checked. */
async function archivePartition(ctx: RunContext, run: RunRecord, policy: PartitionPolicy, name: string, seq: number): Promise<{ rows: number; keys: string[] }> {
  const child = await ctx.db.describe(name);
  if (!child) throw new UnknownIdentifierError(policy.name, name, `detached partition "${name}" is gone`);
  // A table target for reading the partition whole: no age predicate is applied to it.
  const asTable: TablePolicy = { name: policy.name, kind: 'table', table: name, timestampColumn: child.primaryKey[0] ?? child.columns[0]!.name, olderThan: policy.olderThan, action: 'archive', timeFormat: 'unix-ms', requireIndex: false };
  const target = await resolveTable(ctx.db, asTable, batchDeadlines(ctx.limits));
  let after: unknown[] | undefined;
  let rows = 0;
  const keys: string[] = [];
  for (let chunk = 0; ; chunk++) {
    const batch = await ctx.db.transaction(batchDeadlines(ctx.limits), (tx) => selectRows(tx, ctx.db, target, undefined, after, undefined, PARTITION_CHUNK));
    if (batch.length === 0) break;
    const manifest = await ctx.archives!.write({ policy: policy.name, table: name, runId: run.id, seq: seq * 10_000 + chunk, keyColumns: target.keyset.map((k) => k.name), first: batch[0]!.position, last: batch.at(-1)!.position, columns: target.table.columns, lines: batch.map((r) => r.json) });
    keys.push(manifest.dataKey);
    rows += batch.length;
    after = batch.at(-1)!.position;
  }
  await ctx.ledger.updateBatch(undefined, run, seq, { rowsArchived: rows });
  return { rows, keys };
}
