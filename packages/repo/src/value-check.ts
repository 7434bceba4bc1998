import type { ColumnMetadata } from './query-guard';
import { InvalidQueryError } from './errors';

type Kind = 'integer' | 'number' | 'string' | 'uuid' | 'date' | 'boolean' | 'any';

const KINDS: Array<[RegExp, Kind]> = [
  [/^(int|integer|int2|int4|int8|smallint|bigint|tinyint|mediumint)$/, 'integer'],
  [/^(number|float|float4|float8|double|double precision|real|numeric|decimal)$/, 'number'],
  [/^uuid$/, 'uuid'],
  [/^(string|varchar|character varying|text|char|character|citext|nvarchar|nchar|varchar2|clob)$/, 'string'],
  [/^(date|datetime|timestamp|timestamptz|timestamp with time zone|timestamp without time zone)$/, 'date'],
  [/^(boolean|bool)$/, 'boolean'],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const kinds = new WeakMap<ColumnMetadata, Kind>();

/** What JavaScript values a column takes, from its TypeORM type (`Number`, `'integer'`, `'timestamptz'`…); worked out once per column. */
function kindOf(column: ColumnMetadata): Kind {
  let kind = kinds.get(column);
  if (kind === undefined) {
    const name = (typeof column.type === 'function' ? column.type.name : String(column.type)).toLowerCase();
    kind = KINDS.find(([pattern]) => pattern.test(name))?.[1] ?? 'any';
    kinds.set(column, kind);
  }
  return kind;
}

function accepts(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'integer':
      return Number.isSafeInteger(value) || typeof value === 'bigint' || (typeof value === 'string' && /^-?\d{1,19}$/.test(value));
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'string':
      return typeof value === 'string';
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'date':
      return (value instanceof Date && !Number.isNaN(value.getTime())) || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/**
 * Checks a value against its column's type before it reaches the driver, so `getById('abc')` on an
 * integer key is an `InvalidQueryError` naming the field, not the server's raw cast error.
 */
export function checkValue(value: unknown, column: ColumnMetadata, entity: string): void {
  if (value === null || value === undefined) return;
  const kind = kindOf(column);
  if (accepts(kind, value)) return;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
  throw new InvalidQueryError(`${entity}.${column.propertyName} takes ${kind === 'uuid' ? 'a UUID string' : `a ${kind}`}; got ${shown}`);
}
