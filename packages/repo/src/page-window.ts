import type { EntityMetadata } from 'typeorm';
import { InvalidQueryError } from './errors';
import { orderColumns, type ColumnMetadata } from './query-guard';

/** Most rows one `getMany` returns, whatever the caller asks. */
export const MAX_LIMIT = 1_000;

/** The validated window of a `getMany`: limit (default 100, capped at 1,000) and offset. */
export function pageWindow(options: { limit?: number; offset?: number; cursor?: string }): { limit: number; offset: number } {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidQueryError(`limit must be a positive integer; got ${String(limit)}`);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidQueryError(`offset must be a non-negative integer; got ${String(offset)}`);
  if (options.cursor !== undefined && offset > 0) throw new InvalidQueryError('use cursor or offset, not both');
  return { limit: Math.min(limit, MAX_LIMIT), offset };
}

/** The validated sort, ended by the primary key so that pages (and cursors) are deterministic. */
export function sortKeys(metadata: EntityMetadata, orderBy: Record<string, unknown> | undefined, pk: ColumnMetadata): Array<{ column: ColumnMetadata; descending: boolean }> {
  const order = orderColumns(metadata, orderBy);
  if (!order.some((o) => o.column === pk)) order.push({ column: pk, descending: order[0]?.descending ?? false });
  return order;
}
