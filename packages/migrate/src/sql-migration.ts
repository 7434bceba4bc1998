import { InvalidMigrationError } from './errors';

/** The parts of a `.sql` migration file. */
export interface SqlMigrationParts {
  up: string;
  down: string | undefined;
  transaction: boolean;
  lockTimeoutMs: number | undefined;
}

const UP = /^--\s*migrate:up\s*$/m;
const DOWN = /^--\s*migrate:down\s*$/m;
const NO_TRANSACTION = /^--\s*migrate:no-transaction\s*$/m;
const LOCK_TIMEOUT = /^--\s*migrate:lock-timeout\s+(\S+)\s*$/m;

/**
 * Parses a SQL migration:
 * ```sql
 * -- migrate:up
 * CREATE TABLE users (id bigint PRIMARY KEY);
 * -- migrate:down
 * DROP TABLE users;
 * ```
 * `-- migrate:no-transaction` anywhere runs both sections outside a transaction;
 * `-- migrate:lock-timeout 30s` (or `500ms`, `2m`) gives this file its own lock timeout.
 */
export function parseSqlMigration(source: string, file: string, options: { allowEmptyUp?: boolean } = {}): SqlMigrationParts {
  const up = UP.exec(source);
  if (!up) throw new InvalidMigrationError(`${file}: no "-- migrate:up" line; a SQL migration starts its up section with it`);
  const down = DOWN.exec(source);
  if (down && down.index < up.index) throw new InvalidMigrationError(`${file}: "-- migrate:down" comes before "-- migrate:up"`);
  const upSql = source.slice(up.index + up[0].length, down ? down.index : undefined).trim();
  if (!options.allowEmptyUp && isEmptySql(upSql)) throw new InvalidMigrationError(`${file}: the up section is empty`);
  const downSql = down ? source.slice(down.index + down[0].length).trim() : undefined;
  const lockTimeout = LOCK_TIMEOUT.exec(source)?.[1];
  return { up: upSql, down: downSql === '' ? undefined : downSql, transaction: !NO_TRANSACTION.test(source), lockTimeoutMs: lockTimeout === undefined ? undefined : parseDuration(lockTimeout, file) };
}

/** `500ms`, `30s`, `2m` or a bare number of milliseconds. */
function parseDuration(text: string, file: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!match) throw new InvalidMigrationError(`${file}: lock-timeout "${text}" is not a duration like 500ms, 30s or 2m`);
  return Number(match[1]) * (match[2] === 's' ? 1_000 : match[2] === 'm' ? 60_000 : 1);
}

/** True when SQL holds nothing but comments and whitespace (a freshly created template). */
export function isEmptySql(sql: string): boolean {
  return sql.replace(/--[^\n]*/g, '').trim() === '';
}
