import { InvalidFilterError } from './errors';
import type { Metadata, MetadataValue } from './types';

/** A scalar a filter compares with. */
type Scalar = string | number | boolean;

/** Operators on one field, Pinecone's metadata filter language. */
export interface FieldCondition {
  $eq?: Scalar;
  $ne?: Scalar;
  $gt?: number;
  $gte?: number;
  $lt?: number;
  $lte?: number;
  $in?: Scalar[];
  $nin?: Scalar[];
  $exists?: boolean;
}

/** A metadata filter: `{ field: value | FieldCondition, $and: [...], $or: [...] }`. */
export type Filter = { $and?: Filter[]; $or?: Filter[] } & { [field: string]: Scalar | FieldCondition | Filter[] | undefined };

/** Tests one record's metadata. */
export type Predicate = (metadata: Metadata | undefined) => boolean;

const COMPARISONS = new Set(['$gt', '$gte', '$lt', '$lte']);

/**
 * Validates a filter and compiles it into a predicate. Semantics follow Pinecone: a bare value means
 * `$eq`; on a string-list field `$eq`/`$in` match when any element matches and `$ne`/`$nin` when none
 * does; comparisons apply to numbers only; several keys in one object must all hold.
 */
export function compileFilter(filter: Filter | undefined): Predicate | undefined {
  if (filter === undefined) return undefined;
  return compileObject(filter, 'filter');
}

function compileObject(filter: unknown, path: string): Predicate {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new InvalidFilterError(`${path} must be an object, got ${describe(filter)}`);
  }
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') parts.push(compileLogical(key, value, `${path}.${key}`));
    else if (key.startsWith('$')) throw new InvalidFilterError(`unknown filter operator "${key}" at ${path}; use $and, $or or a field name`);
    else parts.push(compileField(key, value, `${path}.${key}`));
  }
  if (parts.length === 1) return parts[0]!;
  return (metadata) => parts.every((part) => part(metadata));
}

function compileLogical(operator: '$and' | '$or', operands: unknown, path: string): Predicate {
  if (!Array.isArray(operands) || operands.length === 0) throw new InvalidFilterError(`${path} must be a non-empty array of filters`);
  const parts = operands.map((operand, i) => compileObject(operand, `${path}[${i}]`));
  return operator === '$and' ? (m) => parts.every((p) => p(m)) : (m) => parts.some((p) => p(m));
}

function compileField(field: string, condition: unknown, path: string): Predicate {
  if (isScalar(condition)) return fieldTest(field, equals(condition));
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    throw new InvalidFilterError(`${path} must be a string, number, boolean or an operator object, got ${describe(condition)}`);
  }
  const parts: Predicate[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    parts.push(compileOperator(field, operator, operand, `${path}.${operator}`));
  }
  if (parts.length === 0) throw new InvalidFilterError(`${path} has no operator`);
  return parts.length === 1 ? parts[0]! : (m) => parts.every((p) => p(m));
}

function compileOperator(field: string, operator: string, operand: unknown, path: string): Predicate {
  switch (operator) {
    case '$eq':
      return fieldTest(field, equals(scalar(operand, path)));
    case '$ne': {
      const test = equals(scalar(operand, path));
      return (m) => !fieldTest(field, test)(m);
    }
    case '$in': {
      const set = new Set(scalarList(operand, path));
      return fieldTest(field, (v) => set.has(v));
    }
    case '$nin': {
      const set = new Set(scalarList(operand, path));
      const test = fieldTest(field, (v) => set.has(v));
      return (m) => !test(m);
    }
    case '$exists': {
      if (typeof operand !== 'boolean') throw new InvalidFilterError(`${path} takes true or false, got ${describe(operand)}`);
      return (m) => (m !== undefined && m[field] !== undefined) === operand;
    }
    default: {
      if (!COMPARISONS.has(operator)) {
        throw new InvalidFilterError(`unknown filter operator "${operator}" at ${path}; known: $eq $ne $gt $gte $lt $lte $in $nin $exists`);
      }
      if (typeof operand !== 'number' || !Number.isFinite(operand)) throw new InvalidFilterError(`${path} takes a finite number, got ${describe(operand)}`);
      const compare = comparator(operator, operand);
      return (m) => {
        const value = m?.[field];
        return typeof value === 'number' && compare(value);
      };
    }
  }
}

function comparator(operator: string, bound: number): (value: number) => boolean {
  if (operator === '$gt') return (v) => v > bound;
  if (operator === '$gte') return (v) => v >= bound;
  if (operator === '$lt') return (v) => v < bound;
  return (v) => v <= bound;
}

/** True when the field (or, for a list, any element) passes `test`. */
function fieldTest(field: string, test: (value: Scalar) => boolean): Predicate {
  return (metadata) => {
    const value: MetadataValue | undefined = metadata?.[field];
    if (value === undefined) return false;
    return Array.isArray(value) ? value.some(test) : test(value);
  };
}

function equals(expected: Scalar): (value: Scalar) => boolean {
  return (value) => value === expected;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function scalar(value: unknown, path: string): Scalar {
  if (!isScalar(value)) throw new InvalidFilterError(`${path} takes a string, finite number or boolean, got ${describe(value)}`);
  return value;
}

function scalarList(value: unknown, path: string): Scalar[] {
  if (!Array.isArray(value)) throw new InvalidFilterError(`${path} takes an array, got ${describe(value)}`);
  return value.map((v, i) => scalar(v, `${path}[${i}]`));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
