import type { EntityMetadata } from 'typeorm';
import { InvalidQueryError } from './errors';

/** TypeORM's metadata of one column. */
export type ColumnMetadata = EntityMetadata['columns'][number];

/** Range and set operators a filter may use besides plain equality. */
export interface Range<V> {
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
  $ne?: V;
  $in?: V[];
}

/** Equality (`field: value`) and range (`field: { $gte, $lt }`) filters. */
export type Where<T> = { [K in keyof T]?: T[K] | Range<T[K]> | null };

/** Sort order: `{ createdAt: 'desc' }`. */
export type OrderBy<T> = { [K in keyof T]?: 'asc' | 'desc' };

const OPERATORS: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=', $ne: '<>' };

/** The column behind a property; anything the entity does not have is an `InvalidQueryError`. */
export function columnFor(metadata: EntityMetadata, property: string, what: string): ColumnMetadata {
  const column = metadata.columns.find((c) => c.propertyName === property);
  if (!column) {
    const known = metadata.columns.map((c) => c.propertyName).join(', ');
    throw new InvalidQueryError(`${what} "${property}" is not a field of ${metadata.name}; known fields: ${known}`);
  }
  return column;
}

/** One condition of a WHERE clause: SQL with placeholders and its parameters. */
export interface Condition {
  sql: string;
  params: unknown[];
}

/**
 * Builds a WHERE clause from a filter, checking every field against the entity metadata and
 * passing every value as a parameter (never spliced into SQL).
 */
export function whereClause(
  metadata: EntityMetadata,
  where: Record<string, unknown> | undefined,
  quote: (id: string) => string,
  param: (value: unknown, column: ColumnMetadata) => string,
): string {
  if (where === undefined) return '';
  if (typeof where !== 'object' || where === null || Array.isArray(where)) throw new InvalidQueryError('where must be an object of field conditions');
  const parts: string[] = [];
  for (const [property, condition] of Object.entries(where)) {
    if (condition === undefined) continue;
    const column = columnFor(metadata, property, 'filter field');
    const name = quote(column.databaseName);
    if (condition === null) {
      parts.push(`${name} IS NULL`);
    } else if (isRange(condition)) {
      for (const [operator, operand] of Object.entries(condition)) {
        if (operand === undefined) continue;
        if (operator === '$in') {
          if (!Array.isArray(operand) || operand.length === 0) throw new InvalidQueryError(`$in on "${property}" needs a non-empty array`);
          // SQL's IN never matches NULL: a null in the list means "or IS NULL".
          const values = operand.filter((v) => v !== null);
          const alternatives = values.length > 0 ? [`${name} IN (${values.map((v) => param(v, column)).join(', ')})`] : [];
          if (values.length < operand.length) alternatives.push(`${name} IS NULL`);
          parts.push(alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' OR ')})`);
        } else if (operator === '$ne' && operand === null) {
          parts.push(`${name} IS NOT NULL`);
        } else if (operand === null) {
          throw new InvalidQueryError(`${operator} on "${property}" cannot compare with null; use { ${property}: null } or { $ne: null }`);
        } else if (OPERATORS[operator]) {
          parts.push(`${name} ${OPERATORS[operator]} ${param(operand, column)}`);
        } else {
          throw new InvalidQueryError(`unknown operator "${operator}" on "${property}"; use $gt $gte $lt $lte $ne $in or a plain value`);
        }
      }
    } else {
      parts.push(`${name} = ${param(condition, column)}`);
    }
  }
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}

function isRange(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !Array.isArray(value) && !Buffer.isBuffer(value) && Object.keys(value).some((k) => k.startsWith('$'));
}

/** Validated sort order: column names and directions. */
export function orderColumns(metadata: EntityMetadata, orderBy: Record<string, unknown> | undefined): Array<{ column: ColumnMetadata; descending: boolean }> {
  if (orderBy === undefined) return [];
  if (typeof orderBy !== 'object' || orderBy === null) throw new InvalidQueryError('orderBy must be an object like { createdAt: "desc" }');
  return Object.entries(orderBy).map(([property, direction]) => {
    const column = columnFor(metadata, property, 'orderBy field');
    if (direction !== 'asc' && direction !== 'desc') throw new InvalidQueryError(`orderBy "${property}" must be "asc" or "desc"`);
    return { column, descending: direction === 'desc' };
  });
}
