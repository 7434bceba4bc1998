import { quoteIdent } from '../database/database';
import type { RunContext } from '../context';
import { planDeadlines } from '../context';
import { NoIndexError } from '../errors';
import type { TableTarget } from './table-target';
import { orderSql, Params, predicateSql, rangeSql, selectPositions } from './table-target';

/** What a table policy would do, before it does anything. */
export interface TablePlan {
  policy: string;
  kind: 'table';
  action: 'delete' | 'archive-then-delete' | 'archive';
  table: string;
  /** Rows older than this (ISO) are reached. */
  cutoff: string;
  rows: number;
  /** First and last position of the reached rows in keyset order — `[age, ...key]`, as the database writes them (undefined when none). */
  keyRange: { first: unknown[]; last: unknown[] } | undefined;
  /** The index whose first column is the age column, and the index the planner picks for a batch. */
  index: { ageIndex: string | undefined; batchIndex: string | undefined };
  estimatedBatches: number;
  warnings: string[];
  /** Id of the unfinished run this one would resume (its cut-off and range are kept). */
  resumes: string | undefined;
}

/**
 * Counts the rows a policy reaches after `startAfter`, their key range and the indexes involved;
 * throws `NoIndexError` when no index starts with the age column and the policy requires one.
 */
export async function planTable(ctx: RunContext, target: TableTarget, cutoff: Date, startAfter: unknown[] | undefined, upTo: unknown[] | undefined, batchSize: number): Promise<Omit<TablePlan, 'resumes'>> {
  const { db } = ctx;
  const policy = target.policy;
  const warnings: string[] = [];
  if (!target.ageIndex) {
    const fix = `CREATE INDEX${db.dialect === 'postgres' ? ' CONCURRENTLY' : ''} ${quoteIdent(`${target.table.name.split('.').at(-1)}_${target.timestamp.name}_idx`)} ON ${target.sql} (${quoteIdent(target.timestamp.name)})`;
    if (policy.requireIndex !== false) throw new NoIndexError(policy.name, fix);
    warnings.push(`no index starts with ${target.timestamp.name}: counting and every batch scan the table (${fix})`);
  }
  const counted = await db.transaction(planDeadlines(ctx.limits), async (tx) => {
    const params = new Params(db);
    const where = `${predicateSql(target, cutoff, params)} AND ${rangeSql(target, startAfter, upTo, params)}`;
    const [count] = await tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${target.sql} WHERE ${where}`, params.values);
    const [first] = await selectPositions(tx, db, target, cutoff, startAfter, upTo, 1, 'ASC');
    const [last] = await selectPositions(tx, db, target, cutoff, startAfter, upTo, 1, 'DESC');
    return { rows: Number(count?.n ?? 0), first, last };
  });
  const batchParams = new Params(db);
  const batchWhere = `${predicateSql(target, cutoff, batchParams)} AND ${rangeSql(target, counted.first, counted.last, batchParams)}`;
  const batchIndex = await db.plannedIndex(`SELECT * FROM ${target.sql} WHERE ${batchWhere} ORDER BY ${orderSql(target)} LIMIT ${batchSize}`, batchParams.values, planDeadlines(ctx.limits));
  if (!batchIndex) warnings.push(`the planner scans ${policy.table} for a batch instead of using an index`);
  return {
    policy: policy.name,
    kind: 'table',
    action: policy.action,
    table: policy.table,
    cutoff: cutoff.toISOString(),
    rows: counted.rows,
    keyRange: counted.first && counted.last ? { first: counted.first, last: counted.last } : undefined,
    index: { ageIndex: target.ageIndex, batchIndex },
    estimatedBatches: Math.ceil(counted.rows / batchSize),
    warnings,
  };
}
