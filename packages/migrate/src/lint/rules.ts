import type { Dialect } from '../migration';

/** How loudly a rule speaks; `off` silences it. */
export type Severity = 'error' | 'warn' | 'off';

/** What a rule looks at: one statement of a migration's up section. */
export interface StatementInfo {
  statement: string;
  dialect: Dialect;
  /** Whether the migration runs in a transaction. */
  transaction: boolean;
}

/** A lint rule with a stable id, a default severity, why it matters and the safe sequence to use. */
export interface LintRule {
  id: string;
  severity: Exclude<Severity, 'off'>;
  why: string;
  instead: string;
  matches(info: StatementInfo): boolean;
}

const test = (pattern: RegExp) => (info: StatementInfo) => pattern.test(clean(info.statement));

/** The statement without comments, on one line, upper case outside literals is not needed: patterns are case-insensitive. */
function clean(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/'(?:[^']|'')*'/g, "''").replace(/\s+/g, ' ');
}

/** The built-in rules. */
export const RULES: readonly LintRule[] = [
  {
    id: 'drop-table',
    severity: 'error',
    why: 'DROP TABLE destroys data, and code still running from the previous release may query the table',
    instead: 'expand/contract: release code that no longer uses the table, then drop it in a later migration (or rename it aside first)',
    matches: test(/\bDROP\s+TABLE\b/i),
  },
  {
    id: 'drop-column',
    severity: 'error',
    why: 'DROP COLUMN destroys data and breaks code from the previous release that still reads or writes the column',
    instead: 'expand/contract: stop using the column in a release (and drop NOT NULL), then drop it in a later migration',
    matches: test(/\bALTER\s+TABLE\b.*\bDROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b|DEFAULT\b|NOT\b|INDEX\b)(?:IF\s+EXISTS\s+)?\w+/i),
  },
  {
    id: 'type-narrowing',
    severity: 'error',
    why: 'changing a column to a bounded or smaller type can fail on existing rows or truncate them, and rewrites the table under an exclusive lock',
    instead: 'expand/contract: add a column of the new type, backfill in batches, switch reads and writes, then drop the old column',
    matches: test(/\bALTER\s+(?:COLUMN\s+)?\w+\s+(?:SET\s+DATA\s+)?TYPE\s+(?:varchar|character\s+varying|char|character|smallint|int2|int4|integer|int\b|real|float4|numeric\s*\(|decimal\s*\()/i),
  },
  {
    id: 'not-null-without-default',
    severity: 'error',
    why: 'adding a NOT NULL column without a default fails on a non-empty table, and breaks inserts from code of the previous release',
    instead: 'add the column nullable (or with a DEFAULT), backfill in batches, then SET NOT NULL (on PostgreSQL via a NOT VALID check constraint validated separately)',
    matches: (info) => {
      const sql = clean(info.statement);
      return /\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+[^,]*\bNOT\s+NULL\b/i.test(sql) && !/\bDEFAULT\b/i.test(sql);
    },
  },
  {
    id: 'index-not-concurrent',
    severity: 'error',
    why: 'CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build',
    instead: 'CREATE INDEX CONCURRENTLY in a migration marked "-- migrate:no-transaction" (one index per migration)',
    matches: (info) => info.dialect === 'postgres' && /\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)/i.test(clean(info.statement)),
  },
  {
    id: 'concurrently-in-transaction',
    severity: 'error',
    why: 'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY inside a transaction, so this migration would fail',
    instead: 'mark the migration with "-- migrate:no-transaction" (export const transaction = false in a module)',
    matches: (info) => info.dialect === 'postgres' && info.transaction && /\bINDEX\s+CONCURRENTLY\b/i.test(clean(info.statement)),
  },
  {
    id: 'rename',
    severity: 'error',
    why: 'renaming a table or column breaks every running instance of the previous release that uses the old name',
    instead: 'expand/contract: add the new column (or a view under the new name), write to both, backfill, move reads, then drop the old one',
    matches: test(/\bALTER\s+TABLE\b.*\bRENAME\b/i),
  },
];
