export { Migrator } from './migrator';
export type { DownOptions, MigrationPlan, MigrationProgress, MigrationStatus, MigratorOptions, UpOptions, VerifyReport } from './migrator';
export type { Dialect, HistoryRow, Migration, MigrationContext, MigrationModule } from './migration';
export type { HeldLock, HistoryWriter, LockOptions, MigrationDriver, UnitOptions, Work } from './driver';
export { loadMigrations, MIGRATION_NAME } from './migration-source';
export { parseSqlMigration } from './sql-migration';
export type { SqlMigrationParts } from './sql-migration';
export { splitStatements } from './sql-statements';
export { checksum } from './checksum';
export { createMigration, versionFor } from './create-migration';
export type { CreateOptions } from './create-migration';
export { diffSnapshots } from './schema-snapshot';
export type { SchemaSnapshot } from './schema-snapshot';
export { lintMigrations } from './lint/lint';
export type { LintFinding, LintOptions } from './lint/lint';
export { RULES } from './lint/rules';
export type { LintRule, Severity, StatementInfo } from './lint/rules';
export {
  ChecksumMismatchError,
  InvalidMigrationError,
  IrreversibleMigrationError,
  MigrationError,
  MigrationFailedError,
  MigrationDatabaseUnavailableError,
  MigrationLockedError,
  MigrationLockLostError,
  MigrationPreviouslyFailedError,
  MissingMigrationError,
  UnsupportedOperationError,
} from './errors';
