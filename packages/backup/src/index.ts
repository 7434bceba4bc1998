export { Repository } from './repository/repository';
export type { InitOptions, KeyInfo, OpenOptions, WriteStats } from './repository/repository';
export type { Snapshot, SnapshotRecord, SnapshotTotals, SnapshotType, SourceRef } from './repository/snapshot';
export { FORMAT_VERSION } from './repository/config';
export type { RepositoryConfig } from './repository/config';
export { stats } from './repository/stats';
export type { RepositoryStats } from './repository/stats';
export { DEFAULT_CHUNKER } from './chunker/fastcdc';
export type { ChunkerParams } from './chunker/fastcdc';
export type { CompressionOptions } from './compress/codec';
export { DEFAULT_SCRYPT } from './crypto/key-file';
export type { ScryptParams } from './crypto/key-file';
export { backup } from './archiver/archiver';
export type { BackupOptions, BackupResult } from './archiver/archiver';
export type { ProgressEvent } from './archiver/progress';
export { restore, readFile } from './restorer/restorer';
export type { RestoreOptions, RestoreResult } from './restorer/restorer';
export { verify } from './checker/checker';
export type { VerifyOptions, VerifyProblem, VerifyReport } from './checker/checker';
export { applyPolicy, validatePolicy } from './policy/forget-policy';
export type { KeepDecision, PolicySnapshot, RetentionPolicy } from './policy/forget-policy';
export { forget } from './policy/forget';
export type { ForgetGroup, ForgetOptions, GroupBy } from './policy/forget';
export { prune } from './prune/prune';
export type { PruneOptions, PruneReport } from './prune/prune';
export { diff } from './walker/diff';
export { listDrills } from './drill/drill-record';
export type { DrillCheck, DrillQuery, DrillRecord } from './drill/drill-record';
export type { DiffEntry } from './walker/diff';
export { FolderSource } from './sources/folder/folder-source';
export type { FolderSourceOptions } from './sources/folder/folder-source';
export { folderOf, generatedFile } from './sources/source';
export type { BackupSource, OpenedSource, SourceEntry } from './sources/source';
export {
  AbortedError,
  BackupError,
  CodecUnavailableError,
  IntegrityError,
  InvalidOptionsError,
  NotFoundError,
  RepositoryExistsError,
  RepositoryLockedError,
  RepositoryNotFoundError,
  RecoveryFailedError,
  RestoreWriteError,
  SourceError,
  TargetUnreachableError,
  StorageUnavailableError,
  TargetNotEmptyError,
  UnsafePathError,
  UnsupportedVersionError,
  WalConflictError,
  WalMissingError,
  WrongPassphraseError,
} from './errors';
export type { BackupErrorCode } from './errors';
