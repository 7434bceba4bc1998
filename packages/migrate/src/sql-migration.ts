import { InvalidMigrationError } from './errors';

/** The parts of a `.sql` migration file. */
export interface SqlMigrationParts {
  up: string;
  down: string | undefined;
  transaction: boolean;
}

const UP = /^--\s*migrate:up\s*$/m;
const DOWN = /^--\s*migrate:down\s*$/m;
const NO_TRANSACTION = /^--\s*migrate:no-transaction\s*$/m;

/**
 * Parses a SQL migration:
 * ```sql
 * -- migrate:up
 * CREATE TABLE users (id bigint PRIMARY KEY);
 * -- migrate:down
 * DROP TABLE users;
 * ```
 * `-- migrate:no-transaction` anywhere runs both sections outside a transaction.
 */
export function parseSqlMigration(source: string, file: string): SqlMigrationParts {
  const up = UP.exec(source);
  if (!up) throw new InvalidMigrationError(`${file}: no "-- migrate:up" line; a SQL migration starts its up section with it`);
  const down = DOWN.exec(source);
  if (down && down.index < up.index) throw new InvalidMigrationError(`${file}: "-- migrate:down" comes before "-- migrate:up"`);
  const upSql = source.slice(up.index + up[0].length, down ? down.index : undefined).trim();
  if (upSql.replace(/--[^\n]*/g, '').trim() === '') throw new InvalidMigrationError(`${file}: the up section is empty`);
  const downSql = down ? source.slice(down.index + down[0].length).trim() : undefined;
  return { up: upSql, down: downSql === '' ? undefined : downSql, transaction: !NO_TRANSACTION.test(source) };
}
