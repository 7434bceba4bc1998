import { z } from 'zod';
import { parseAge } from '../age';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const identifier = z.string().regex(IDENT, 'must be a plain SQL identifier (letters, digits, _; at most 63; no quotes, dots or spaces)');
const tableName = z
  .string()
  .refine((t) => t.split('.').length <= 2 && t.split('.').every((part) => IDENT.test(part)), 'must be `table` or `schema.table` of plain SQL identifiers');
const age = z.string().refine((text) => parseAge(text) !== undefined, 'must be an age such as `90d`, `12h`, `2w` or an ISO 8601 duration (`P90D`, `P1Y6M`)');
const policyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be lower-case letters, digits, `.`, `_` or `-` (at most 63)');

const scalar = z.union([z.string(), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]);

/** One structured condition on a column (values are always bound as parameters, never spliced into SQL). */
const filter = z.discriminatedUnion('op', [
  z.strictObject({ column: identifier, op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte']), value: scalar }),
  z.strictObject({ column: identifier, op: z.enum(['in', 'notIn']), value: z.array(scalar).min(1).max(1000) }),
  z.strictObject({ column: identifier, op: z.enum(['isNull', 'notNull']) }),
]);

const batch = z.strictObject({
  initial: z.int().min(1).max(100_000).optional(),
  min: z.int().min(1).max(100_000).optional(),
  max: z.int().min(1).max(100_000).optional(),
  targetMs: z.int().min(10).max(600_000).optional(),
  pauseMs: z.int().min(0).max(600_000).optional(),
  maxReplicationLagMs: z.int().min(0).optional(),
});

const archive = z.strictObject({
  prefix: z.string().regex(/^[A-Za-z0-9._\-/]*$/, 'must be letters, digits, `.`, `_`, `-` and `/`').optional(),
  encrypt: z.boolean().optional(),
});

const tablePolicy = z.strictObject({
  name: policyName,
  kind: z.literal('table'),
  table: tableName,
  timestampColumn: identifier,
  olderThan: age,
  where: z.array(filter).max(20).optional(),
  action: z.enum(['delete', 'archive-then-delete', 'archive']),
  key: z.array(identifier).min(1).max(4).optional(),
  timeFormat: z.enum(['native', 'iso-text', 'unix-seconds', 'unix-ms']).optional(),
  requireIndex: z.boolean().optional(),
  batch: batch.optional(),
  archive: archive.optional(),
});

const partitionPolicy = z.strictObject({
  name: policyName,
  kind: z.literal('partitions'),
  table: tableName,
  olderThan: age,
  action: z.enum(['detach', 'drop', 'archive-then-drop']),
  archive: archive.optional(),
  batch: batch.optional(),
});

const objectPolicy = z
  .strictObject({
    name: policyName,
    kind: z.literal('objects'),
    prefix: z.string().max(1024),
    expireAfter: age.optional(),
    transitions: z.array(z.strictObject({ after: age, storageClass: z.string().regex(/^[A-Za-z_]{1,40}$/, 'must be a storage class name') })).max(8).optional(),
  })
  .refine((p) => p.expireAfter !== undefined || (p.transitions?.length ?? 0) > 0, { message: 'needs expireAfter or transitions (it has no action)', path: ['expireAfter'] });

/** Any policy, told apart by `kind` (absent = `table`), so an error names the field of the kind it is. */
export const policySchema = z.preprocess(
  (value) => (value && typeof value === 'object' && !Array.isArray(value) && !('kind' in value) ? { ...value, kind: 'table' } : value),
  z.discriminatedUnion('kind', [tablePolicy, partitionPolicy, objectPolicy]),
);

/** Tables that hold a subject's rows, for erasure (right to be forgotten). */
export const erasureSchema = z.strictObject({
  tables: z.array(z.strictObject({ table: tableName, column: identifier })).min(1).max(100),
});

/** Retention of a table's rows by age. */
export type TablePolicy = z.output<typeof tablePolicy>;
/** Retention of a partitioned table's partitions by age. */
export type PartitionPolicy = z.output<typeof partitionPolicy>;
/** Expiration and storage-class transitions of objects under a prefix. */
export type ObjectPolicy = z.output<typeof objectPolicy>;
/** Any lifecycle policy. */
export type Policy = TablePolicy | PartitionPolicy | ObjectPolicy;
/** A structured condition of a table policy. */
export type Filter = z.output<typeof filter>;
/** Batch sizing of a table or partition policy. */
export type BatchOptions = z.output<typeof batch>;
/** Where the subject's rows live, for `erase`. */
export type ErasureMap = z.output<typeof erasureSchema>;
/** A policy as written in a config file (before defaults). */
export type PolicyInput = Omit<z.input<typeof tablePolicy>, 'kind'> & { kind?: 'table' } | z.input<typeof partitionPolicy> | z.input<typeof objectPolicy>;
