import { QueryFailedError } from '../errors';
import type { QueryResultLike, SqlClient } from './sql-client';

/** Deadlines of one insight query. */
export interface QueryBounds {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/**
 * Runs one read-only insight query with its own `statement_timeout` and `lock_timeout` (`SET LOCAL` in the
 * statement's implicit transaction, so a pooled connection keeps its settings), and `application_name`
 * left alone. Any failure — a lock held by a migration, a slow catalog, a lost connection — is a
 * `QueryFailedError` naming the check.
 */
export async function boundedQuery(client: SqlClient, check: string, sql: string, bounds: QueryBounds): Promise<Array<Record<string, unknown>>> {
  const text = `SET LOCAL statement_timeout = ${Math.round(bounds.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.round(bounds.lockTimeoutMs)}; ${sql}`;
  let results: QueryResultLike | QueryResultLike[];
  try {
    results = await client.query(text);
  } catch (error) {
    throw new QueryFailedError(check, (error as Error).message, { cause: error });
  }
  const list = Array.isArray(results) ? results : [results];
  return list.at(-1)?.rows ?? [];
}
