import { InvalidQueryError } from './errors';

/**
 * Keyset cursors: the sort-key values of a page's last row, as opaque base64url JSON. `toJson` turns
 * driver values JSON cannot carry (Dates, ObjectIds) into ones it can; the query turns them back.
 */
export function encodeCursor(values: unknown[], toJson: (value: unknown) => unknown = (v) => (v instanceof Date ? v.toISOString() : v)): string {
  return Buffer.from(JSON.stringify(values.map(toJson))).toString('base64url');
}

/** The values of a cursor made by `encodeCursor` for a sort of `length` keys; anything else is refused. */
export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === length) return values;
  } catch {
    // fall through
  }
  throw new InvalidQueryError('cursor is not one this query produced (wrong orderBy, or tampered)');
}
