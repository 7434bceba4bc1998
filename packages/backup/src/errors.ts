/** Stable codes of every error this package throws, one per failure kind. */
export type BackupErrorCode =
  | 'BACKUP_WRONG_PASSPHRASE'
  | 'BACKUP_REPOSITORY_EXISTS'
  | 'BACKUP_REPOSITORY_NOT_FOUND'
  | 'BACKUP_UNSUPPORTED_VERSION'
  | 'BACKUP_INTEGRITY'
  | 'BACKUP_LOCKED'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_INVALID_OPTIONS'
  | 'BACKUP_SOURCE_FAILED'
  | 'BACKUP_TARGET_NOT_EMPTY'
  | 'BACKUP_UNSAFE_PATH'
  | 'BACKUP_CODEC_UNAVAILABLE'
  | 'BACKUP_STORAGE_UNAVAILABLE'
  | 'BACKUP_ABORTED'
  | 'BACKUP_WRITE_FAILED'
  | 'BACKUP_WAL_CONFLICT'
  | 'BACKUP_WAL_MISSING'
  | 'BACKUP_TARGET_UNREACHABLE'
  | 'BACKUP_RECOVERY_FAILED';

/** Base class of every error this package throws: `code` says which failure it is. */
export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No key file of the repository opens with the passphrase given (the message names no secret). */
export class WrongPassphraseError extends BackupError {
  constructor() {
    super('BACKUP_WRONG_PASSPHRASE', 'no key of this repository opens with the passphrase given; check BACKUP_PASSPHRASE or the --passphrase-file');
  }
}

/** `init` found a repository already at that location. */
export class RepositoryExistsError extends BackupError {
  constructor(where: string) {
    super('BACKUP_REPOSITORY_EXISTS', `a repository already exists at ${where}; open it instead of init`);
  }
}

/** `open` found no repository config at that location. */
export class RepositoryNotFoundError extends BackupError {
  constructor(where: string) {
    super('BACKUP_REPOSITORY_NOT_FOUND', `no repository at ${where}; create one with init`);
  }
}

/** The repository was written by a newer format version than this package reads. */
export class UnsupportedVersionError extends BackupError {
  constructor(found: unknown, supported: number) {
    super('BACKUP_UNSUPPORTED_VERSION', `the repository has format version ${String(found)}; this @core/backup reads version ${supported} and older: upgrade the package`);
  }
}

/** Stored data does not match its id or cannot be authenticated; `object`, `pack`, `blob` and `path` say where. */
export class IntegrityError extends BackupError {
  constructor(
    message: string,
    readonly where: { object?: string; pack?: string; blob?: string; path?: string } = {},
    options?: ErrorOptions,
  ) {
    super('BACKUP_INTEGRITY', message, options);
  }
}

/** Another process holds a lock that conflicts with this operation (`holder` describes it). */
export class RepositoryLockedError extends BackupError {
  constructor(readonly holder: { host: string; pid: number; exclusive: boolean; time: string }) {
    super(
      'BACKUP_LOCKED',
      `the repository is locked ${holder.exclusive ? 'exclusively ' : ''}by pid ${holder.pid} on ${holder.host} since ${holder.time}; wait for it, or run unlock if that process is gone`,
    );
  }
}

/** A snapshot, path or key named by the caller does not exist. */
export class NotFoundError extends BackupError {
  constructor(message: string) {
    super('BACKUP_NOT_FOUND', message);
  }
}

/** Options or a policy that are malformed or cannot be honoured together; the message names the field. */
export class InvalidOptionsError extends BackupError {
  constructor(message: string) {
    super('BACKUP_INVALID_OPTIONS', message);
  }
}

/** The source could not be read (vanished, permission denied, dump tool failed); no snapshot was written. */
export class SourceError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('BACKUP_SOURCE_FAILED', message, options);
  }
}

/** The restore target holds files and `overwrite` was not given. */
export class TargetNotEmptyError extends BackupError {
  constructor(target: string) {
    super('BACKUP_TARGET_NOT_EMPTY', `the restore target ${target} is not empty; pass overwrite: true (--overwrite) or choose an empty folder`);
  }
}

/** A snapshot names a path that would land outside the restore target (`..`, absolute, through a symlink). */
export class UnsafePathError extends BackupError {
  constructor(path: string) {
    super('BACKUP_UNSAFE_PATH', `refusing to restore "${path}": it would be written outside the target`);
  }
}

/** A blob is compressed with a codec this installation lacks (zstd-napi did not install). */
export class CodecUnavailableError extends BackupError {
  constructor(codec: string) {
    super('BACKUP_CODEC_UNAVAILABLE', `this repository holds ${codec}-compressed data and the ${codec} codec is not installed (npm i zstd-napi)`);
  }
}

/** The storage under the repository could not be reached or stopped answering. */
export class StorageUnavailableError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('BACKUP_STORAGE_UNAVAILABLE', message, options);
  }
}

/** The caller's signal stopped the operation; what was written is consistent and `prune` reclaims it. */
export class AbortedError extends BackupError {
  constructor(message = 'the operation was aborted') {
    super('BACKUP_ABORTED', message);
  }
}

/** Writing a restored file failed (disk full, permission); the partial file was removed. */
export class RestoreWriteError extends BackupError {
  constructor(path: string, options?: ErrorOptions) {
    super('BACKUP_WRITE_FAILED', `could not write ${path}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}; the partial file was removed`, options);
  }
}

/** A different WAL file is already archived under this name (two clusters, or a reused data directory). */
export class WalConflictError extends BackupError {
  constructor(name: string, where: string) {
    super('BACKUP_WAL_CONFLICT', `${where} already holds a different ${name}: refusing to replace archived WAL (is another cluster archiving into this repository under the same system id?)`);
  }
}

/** WAL a base backup or a recovery needs is not in the archive (`missing` names the files). */
export class WalMissingError extends BackupError {
  constructor(
    message: string,
    readonly missing: string[],
  ) {
    super('BACKUP_WAL_MISSING', message);
  }
}

/** A recovery target that no base backup and archived WAL can reach; nothing was written. */
export class TargetUnreachableError extends BackupError {
  constructor(message: string) {
    super('BACKUP_TARGET_UNREACHABLE', message);
  }
}

/** The restored cluster did not recover (it stopped before its target, or did not start); `log` is the end of its server log. */
export class RecoveryFailedError extends BackupError {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super('BACKUP_RECOVERY_FAILED', message);
  }
}
