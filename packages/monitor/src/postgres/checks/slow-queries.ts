import type { InsightCheck } from '../insight-check';
import { num, str } from '../insight-check';

interface Counters {
  calls: number;
  totalMs: number;
  rows: number;
  query: string;
}

interface Snapshot {
  at: number;
  statements: Map<string, Counters>;
}

/**
 * Slow statements from `pg_stat_statements`, measured over the last `slowQueryWindowMinutes` by diffing
 * snapshots this check keeps (never `pg_stat_statements_reset()`, which would take the numbers from
 * everyone else): calls, mean and total time in the window, PgHero's thresholds (mean ≥ 20 ms over
 * ≥ 100 calls). The first run compares with zero, like PgHero's totals since the last reset; a statement
 * whose counters went down (a reset, an eviction) counts from zero again.
 */
export function slowQueries(): InsightCheck {
  const snapshots: Snapshot[] = [];
  return {
    name: 'slow-queries',
    sql: () => `select queryid::text || ':' || dbid::text || ':' || userid::text as key, calls::float8 as calls, total_exec_time::float8 as total_ms, rows::float8 as rows, left(query, 500) as query
      from pg_stat_statements where queryid is not null and dbid = (select oid from pg_database where datname = current_database())`,
    findings: (rows, t) => {
      const now = Date.now();
      const current: Snapshot = { at: now, statements: new Map(rows.map((r) => [str(r.key), { calls: num(r.calls), totalMs: num(r.total_ms), rows: num(r.rows), query: str(r.query) }])) };
      while (snapshots.length > 0 && snapshots[0]!.at < now - t.slowQueryWindowMinutes * 60_000) snapshots.shift();
      const base = snapshots[0];
      snapshots.push(current);
      const windowMinutes = base ? (now - base.at) / 60_000 : undefined;
      const out = [];
      for (const [key, counters] of current.statements) {
        const before = base?.statements.get(key);
        const reset = !before || before.calls > counters.calls;
        const calls = counters.calls - (reset ? 0 : before.calls);
        const totalMs = counters.totalMs - (reset ? 0 : before.totalMs);
        const meanMs = calls > 0 ? totalMs / calls : 0;
        if (calls < t.slowQueryCalls || meanMs < t.slowQueryMs) continue;
        out.push({
          check: 'slow-queries',
          severity: 'warning' as const,
          subject: `queryid ${key.split(':')[0]}`,
          message: `${calls} calls averaging ${meanMs.toFixed(1)} ms (${(totalMs / 1000).toFixed(1)} s in all) ${windowMinutes === undefined ? 'since pg_stat_statements was reset' : `in the last ${Math.max(1, Math.round(windowMinutes))} min`}: ${counters.query.slice(0, 160)}`,
          advice: 'EXPLAIN (ANALYZE, BUFFERS) it: a missing index, a sequential scan or a bad row estimate is the usual cause',
          details: { key, calls, totalMs, meanMs, rows: counters.rows - (reset ? 0 : before.rows), query: counters.query },
        });
      }
      return out.sort((a, b) => (b.details.totalMs as number) - (a.details.totalMs as number));
    },
    answerError: (message) =>
      /pg_stat_statements/.test(message) && /does not exist|must be loaded/.test(message)
        ? [
            {
              check: 'slow-queries',
              severity: 'info',
              subject: 'pg_stat_statements',
              message: 'pg_stat_statements is not available, so slow queries cannot be measured',
              advice: "add pg_stat_statements to shared_preload_libraries (a restart), then create the extension",
              fix: 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;',
              details: { error: message },
            },
          ]
        : undefined,
  };
}
