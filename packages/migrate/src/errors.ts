/** Base class of every error @core/migrate throws; `code` is stable across versions. */
export class MigrationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An applied migration's file changed since it was applied. */
export class ChecksumMismatchError extends MigrationError {
  constructor(
    readonly migration: string,
    readonly file: string,
    readonly appliedChecksum: string,
    readonly currentChecksum: string,
  ) {
    super(
      'MIGRATE_CHECKSUM_MISMATCH',
      `migration ${migration} (${file}) changed after it was applied: applied checksum ${appliedChecksum}, file now ${currentChecksum}. ` +
        'Restore the file, or review the change and run `repair` to accept it.',
    );
  }
}

/** The history lists a migration whose file is gone. */
export class MissingMigrationError extends MigrationError {
  constructor(readonly migrations: string[]) {
    super('MIGRATE_MISSING_FILE', `applied migration(s) missing from the migrations folder: ${migrations.join(', ')}`);
  }
}

/** Another process holds the migration lock (fail-fast mode, or the wait ran out). */
export class MigrationLockedError extends MigrationError {
  constructor(detail: string) {
    super('MIGRATE_LOCKED', `another process is running migrations (${detail}); try again when it has finished`);
  }
}

/** A migration failed; nothing of it was kept. */
export class MigrationFailedError extends MigrationError {
  constructor(
    readonly migration: string,
    readonly direction: 'up' | 'down',
    cause: unknown,
  ) {
    super(
      'MIGRATE_FAILED',
      `migration ${migration} failed (${direction}): ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
}

/** A migration file or name is malformed (bad name, missing section, unknown `to`). */
export class InvalidMigrationError extends MigrationError {
  constructor(message: string) {
    super('MIGRATE_INVALID', message);
  }
}

/** A migration cannot be reverted (it has no `down`). */
export class IrreversibleMigrationError extends MigrationError {
  constructor(readonly migration: string) {
    super('MIGRATE_IRREVERSIBLE', `migration ${migration} has no down section/function, so it cannot be reverted`);
  }
}

/** The database cannot do what was asked (e.g. a rolled-back dry run on MongoDB without transactions). */
export class UnsupportedOperationError extends MigrationError {
  constructor(message: string) {
    super('MIGRATE_UNSUPPORTED', message);
  }
}

/** The database could not be reached: refused, reset, or no answer within the connect timeout. */
export class MigrationDatabaseUnavailableError extends MigrationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATE_UNAVAILABLE', message, options);
  }
}

/** The session holding the migration lock was lost mid-run: the run stopped before the next migration. */
export class MigrationLockLostError extends MigrationError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('MIGRATE_LOCK_LOST', `the migration lock was lost (${detail}); the run stopped before the next migration — run it again`, options);
  }
}

/** A migration that runs outside a transaction failed partway earlier: the schema may hold part of it. */
export class MigrationPreviouslyFailedError extends MigrationError {
  constructor(readonly migration: string) {
    super(
      'MIGRATE_PREVIOUSLY_FAILED',
      `migration ${migration} ran outside a transaction and failed partway earlier; check what of it is in the schema, undo or finish it by hand, then run \`repair\` to clear the failure`,
    );
  }
}
