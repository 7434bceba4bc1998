import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMigrationError } from './errors';
import { byVersion, migrationFiles } from './migration-source';

/** Options of `createMigration`. */
export interface CreateOptions {
  /** `sql` (default) or `ts`. */
  format?: 'sql' | 'ts';
  /** Time used for the version prefix (default: now), UTC `YYYYMMDDHHMMSS`. */
  now?: Date;
  /** Names already applied (a new migration must sort after every one of them). */
  applied?: string[];
}

const SQL_TEMPLATE = `-- migrate:up\n\n\n-- migrate:down\n\n`;
const TS_TEMPLATE = `import type { MigrationContext } from '@core/migrate';

/** Applies the change. */
export async function up(db: MigrationContext): Promise<void> {
  await db.execute('');
}

/** Reverts it exactly. */
export async function down(db: MigrationContext): Promise<void> {
  await db.execute('');
}
`;

/** The UTC version prefix `YYYYMMDDHHMMSS` for a time. */
export function versionFor(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Writes `<version>_<name>.<sql|ts>` from a template and returns its path. Refuses a bad name, a name
 * that exists, and one that would sort before an applied migration (it would never run in order).
 */
export async function createMigration(directory: string, name: string, options: CreateOptions = {}): Promise<string> {
  if (!/^[a-z0-9][a-z0-9_]{0,99}$/.test(name)) {
    throw new InvalidMigrationError(`migration name "${name}" must be lowercase letters, digits and underscores, e.g. add_user_email`);
  }
  const existing = await migrationFiles(directory);
  // Two migrations created within one second would share a version (refused when loaded): take the next free one.
  const taken = new Set(existing.map((file) => /^(\d+)[_-]/.exec(file)?.[1]).filter((v): v is string => v !== undefined).map((v) => BigInt(v)));
  let version = BigInt(versionFor(options.now ?? new Date()));
  while (taken.has(version)) version++;
  const full = `${version}_${name}`;
  if (existing.some((file) => file.replace(/\.[a-z]+$/, '').replace(/^\d+[_-]/, '') === name)) {
    throw new InvalidMigrationError(`a migration named ${name} exists already`);
  }
  const latestApplied = [...(options.applied ?? [])].sort(byVersion).pop();
  if (latestApplied !== undefined && byVersion(full, latestApplied) < 0) {
    throw new InvalidMigrationError(`${full} would sort before the applied migration ${latestApplied}; check the clock or the name`);
  }
  await mkdir(directory, { recursive: true });
  const format = options.format ?? 'sql';
  const path = join(directory, `${full}.${format}`);
  await writeFile(path, format === 'sql' ? SQL_TEMPLATE : TS_TEMPLATE, { flag: 'wx' });
  return path;
}
