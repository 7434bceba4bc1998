import { InvalidOptionsError, QueryFailedError } from '../errors';
import { boundedQuery, unanswered } from './bounded-query';
import type { Finding } from '../finding';
import type { InsightCheck } from './insight-check';
import type { SqlClient } from './sql-client';
import { resolveThresholds } from './thresholds';
import type { InsightThresholds } from './thresholds';
import { blockedQueries, connections, idleInTransaction, longRunningQueries } from './checks/activity';
import { duplicateIndexes, invalidIndexes, unusedIndexes } from './checks/indexes';
import { replicationLag, replicationSlots, sizes } from './checks/replication';
import { slowQueries } from './checks/slow-queries';
import { cacheHitRate, deadTuples, sequences, wraparound } from './checks/tables';

/** The stateless checks, in report order (each insight adds its own `slow-queries`, which keeps snapshots). */
const STATELESS_CHECKS: readonly InsightCheck[] = [
  longRunningQueries,
  idleInTransaction,
  blockedQueries,
  connections,
  unusedIndexes,
  duplicateIndexes,
  invalidIndexes,
  sequences,
  wraparound,
  deadTuples,
  cacheHitRate,
  replicationLag,
  replicationSlots,
  sizes,
];

/** The names of every check the insight runs, in report order. */
export const INSIGHT_CHECKS: readonly string[] = [...STATELESS_CHECKS.map((check) => check.name), 'slow-queries'];

/** Options of `PostgresInsight`. */
export interface PostgresInsightOptions {
  thresholds?: Partial<InsightThresholds>;
  /** Deadline of each insight query (default 2 s). */
  statementTimeoutMs?: number;
  /** How long a query may wait for a lock (default 500 ms): a migration's ACCESS EXCLUSIVE lock makes it fail fast and answer stale. */
  lockTimeoutMs?: number;
}

/** One check's part of a report. */
export interface CheckReport {
  name: string;
  /** The query answered this time. */
  ok: boolean;
  /** The findings and data are from an earlier run (this one failed: `error`). */
  stale: boolean;
  error?: string;
  /** When the findings and data were read. */
  at: string | undefined;
  findings: Finding[];
  data: Array<Record<string, unknown>>;
}

/** What one insight run found. */
export interface InsightReport {
  at: string;
  checks: CheckReport[];
  /** Every check's findings, critical first. */
  findings: Finding[];
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/**
 * PgHero's checks in one object, with the SQL that would fix each finding (never run here). Every query
 * has its own `statement_timeout` and `lock_timeout`, and a check whose query fails answers with its last
 * good result marked `stale`, so the insight keeps answering while a migration holds an exclusive lock.
 * Read-only: it needs `pg_monitor` (or superuser) for other sessions' queries and statistics.
 */
export class PostgresInsight {
  private readonly thresholds: InsightThresholds;
  private readonly bounds: { statementTimeoutMs: number; lockTimeoutMs: number };
  private readonly lastGood = new Map<string, { at: string; findings: Finding[]; data: Array<Record<string, unknown>> }>();
  private readonly checks: readonly InsightCheck[] = [...STATELESS_CHECKS, slowQueries()];

  constructor(
    private readonly client: SqlClient,
    options: PostgresInsightOptions = {},
  ) {
    this.thresholds = resolveThresholds(options.thresholds);
    this.bounds = { statementTimeoutMs: options.statementTimeoutMs ?? 2000, lockTimeoutMs: options.lockTimeoutMs ?? 500 };
    for (const [key, value] of Object.entries(this.bounds)) if (!(value > 0)) throw new InvalidOptionsError(`${key} must be above 0`);
  }

  /** Runs every check (or the named ones) one after the other; never throws for a failing check. */
  async run(only?: string[]): Promise<InsightReport> {
    const unknown = (only ?? []).filter((name) => !INSIGHT_CHECKS.includes(name));
    if (unknown.length > 0) throw new InvalidOptionsError(`unknown insight check ${unknown.join(', ')}; expected ${INSIGHT_CHECKS.join(', ')}`);
    const checks: CheckReport[] = [];
    let gone: QueryFailedError | undefined;
    for (const check of this.checks.filter((c) => !only || only.includes(c.name))) {
      // Once a query got no answer, the rest would wait out their deadlines too: they answer stale at once.
      const { report, failure } = gone ? { report: this.staleReport(check.name, gone), failure: gone } : await this.runCheck(check);
      if (failure && unanswered(failure)) gone = failure;
      checks.push(report);
    }
    const findings = checks.flatMap((c) => c.findings).sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    return { at: new Date().toISOString(), checks, findings };
  }

  private async runCheck(check: InsightCheck): Promise<{ report: CheckReport; failure?: QueryFailedError }> {
    try {
      const data = await boundedQuery(this.client, check.name, check.sql(this.thresholds), this.bounds);
      const good = { at: new Date().toISOString(), findings: check.findings(data, this.thresholds), data };
      this.lastGood.set(check.name, good);
      return { report: { name: check.name, ok: true, stale: false, ...good } };
    } catch (error) {
      if (!(error instanceof QueryFailedError)) throw error;
      const answered = check.answerError?.(error.message);
      if (answered) return { report: { name: check.name, ok: true, stale: false, at: new Date().toISOString(), findings: answered, data: [] } };
      return { report: this.staleReport(check.name, error), failure: error };
    }
  }

  /** A failed check answered from its last good run (marked stale), or empty when it never succeeded. */
  private staleReport(name: string, error: QueryFailedError): CheckReport {
    const last = this.lastGood.get(name);
    return { name, ok: false, stale: last !== undefined, error: error.message, at: last?.at, findings: last?.findings ?? [], data: last?.data ?? [] };
  }
}
