import { CheckTimeoutError, QueryFailedError } from '../errors';
import { withDeadline } from '../health/with-deadline';
import type { QueryResultLike, SqlClient } from './sql-client';

/** How long past its `statement_timeout` a query may go unanswered before the client gives up on it (a stalled network). */
export const ANSWER_MARGIN_MS = 1_000;

/** Deadlines of one insight query. */
export interface QueryBounds {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/**
 * Runs one read-only insight query with its own `statement_timeout` and `lock_timeout` (`SET LOCAL` in the
 * statement's implicit transaction, so a pooled connection keeps its settings), and `application_name`
 * left alone. The server enforces those; a server that does not answer at all (a stalled network) is given
 * up on `ANSWER_MARGIN_MS` later on this side. Any failure — a lock held by a migration, a slow catalog, a
 * lost connection, no answer — is a `QueryFailedError` naming the check (no answer: its cause is a `CheckTimeoutError`).
 */
export async function boundedQuery(client: SqlClient, check: string, sql: string, bounds: QueryBounds): Promise<Array<Record<string, unknown>>> {
  const text = `SET LOCAL statement_timeout = ${Math.round(bounds.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.round(bounds.lockTimeoutMs)}; ${sql}`;
  let results: QueryResultLike | QueryResultLike[];
  try {
    results = await withDeadline(`PostgreSQL (${check})`, bounds.statementTimeoutMs + ANSWER_MARGIN_MS, () => client.query(text));
  } catch (error) {
    throw new QueryFailedError(check, (error as Error).message, { cause: error });
  }
  const list = Array.isArray(results) ? results : [results];
  return list.at(-1)?.rows ?? [];
}

/** Whether a failed insight query got no answer at all (the server or the network is gone), not an error reply. */
export function unanswered(error: QueryFailedError): boolean {
  return error.cause instanceof CheckTimeoutError;
}
