import type { InsightCheck } from '../insight-check';
import { num, str } from '../insight-check';

const CLIENTS = "backend_type = 'client backend' and pid <> pg_backend_pid()";

/** Queries running longer than the threshold (PgHero: 60 s). */
export const longRunningQueries: InsightCheck = {
  name: 'long-running-queries',
  sql: (t) => `select pid, datname, usename, state, extract(epoch from now() - query_start)::float8 as seconds, left(query, 500) as query
    from pg_stat_activity where ${CLIENTS} and state in ('active', 'fastpath function call') and query_start < now() - interval '${t.longRunningQuerySeconds} seconds' order by query_start`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'long-running-queries',
      severity: 'warning',
      subject: `pid ${num(r.pid)}`,
      message: `a query has run for ${Math.round(num(r.seconds))} s on ${str(r.datname)} as ${str(r.usename)}: ${str(r.query).slice(0, 120)}`,
      advice: 'find why it is slow (EXPLAIN), set statement_timeout for the role, or cancel it',
      fix: `SELECT pg_cancel_backend(${num(r.pid)});`,
      details: r,
    })),
};

/** Sessions idle inside a transaction: they hold locks and keep VACUUM from removing dead rows. */
export const idleInTransaction: InsightCheck = {
  name: 'idle-in-transaction',
  sql: (t) => `select pid, datname, usename, state, extract(epoch from now() - state_change)::float8 as seconds, left(query, 500) as query
    from pg_stat_activity where ${CLIENTS} and state in ('idle in transaction', 'idle in transaction (aborted)') and state_change < now() - interval '${t.idleInTransactionSeconds} seconds' order by state_change`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'idle-in-transaction',
      severity: 'warning',
      subject: `pid ${num(r.pid)}`,
      message: `a session of ${str(r.usename)} on ${str(r.datname)} has been idle in a transaction for ${Math.round(num(r.seconds))} s (last: ${str(r.query).slice(0, 120)})`,
      advice: 'the application left a transaction open: fix it, and set idle_in_transaction_session_timeout so the server ends such sessions',
      fix: `SELECT pg_terminate_backend(${num(r.pid)});`,
      details: r,
    })),
};

/** Queries waiting for a lock another session holds: the lock graph, one edge per row. */
export const blockedQueries: InsightCheck = {
  name: 'blocked-queries',
  sql: () => `select blocked.pid, blocked.datname, extract(epoch from now() - blocked.query_start)::float8 as waiting_seconds, left(blocked.query, 300) as query,
      blocking.pid as blocking_pid, blocking.state as blocking_state, left(blocking.query, 300) as blocking_query
    from pg_stat_activity blocked
    cross join lateral unnest(pg_blocking_pids(blocked.pid)) as b(pid)
    join pg_stat_activity blocking on blocking.pid = b.pid
    where blocked.pid <> pg_backend_pid() order by blocked.query_start`,
  findings: (rows) =>
    rows.map((r) => ({
      check: 'blocked-queries',
      severity: 'warning',
      subject: `pid ${num(r.pid)}`,
      message: `pid ${num(r.pid)} has waited ${Math.round(num(r.waiting_seconds))} s for a lock held by pid ${num(r.blocking_pid)} (${str(r.blocking_state)}: ${str(r.blocking_query).slice(0, 100)})`,
      advice: 'the blocking session holds a lock the query needs; end it if it is stuck (an idle transaction, a forgotten migration)',
      fix: `SELECT pg_cancel_backend(${num(r.blocking_pid)});`,
      details: r,
    })),
};

/** Connections per database and state against max_connections. */
export const connections: InsightCheck = {
  name: 'connections',
  sql: () => `select coalesce(datname, '') as datname, coalesce(state, 'background') as state, count(*)::int as count,
      current_setting('max_connections')::int as max_connections from pg_stat_activity group by 1, 2 order by 1, 2`,
  findings: (rows, t) => {
    const total = rows.reduce((sum, r) => sum + num(r.count), 0);
    const max = num(rows[0]?.max_connections);
    if (max === 0 || total <= max * t.connectionsShare) return [];
    return [
      {
        check: 'connections',
        severity: total >= max * 0.95 ? 'critical' : 'warning',
        subject: 'max_connections',
        message: `${total} of ${max} connections are in use (${Math.round((total / max) * 100)} %)`,
        advice: 'put a pooler (PgBouncer) in front, lower the pools\' sizes, or raise max_connections',
        details: { total, max },
      },
    ];
  },
};
