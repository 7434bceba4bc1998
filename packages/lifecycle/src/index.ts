export { Lifecycle } from './lifecycle';
export type { LifecycleOptions, LifecycleStats, PolicyPlan, PolicyResult, RunOptions } from './lifecycle';
export { parseErasureMap, parsePolicies, parsePolicy } from './policy/parse-policies';
export type { BatchOptions, ErasureMap, Filter, ObjectPolicy, PartitionPolicy, Policy, PolicyInput, TablePolicy } from './policy/policy-schema';
export type { ColumnInfo, Dialect, FailureKind, LifecycleDatabase, PartitionInfo, SqlRunner, TableInfo, TransactionOptions } from './database/database';
export type { RunLimits } from './context';
export type { LifecycleProgress, ProgressListener } from './progress';
export type { TablePlan } from './table/plan-table';
export type { TableResult } from './table/run-table';
export type { PartitionPlan, PartitionResult } from './partitions/run-partitions';
export type { ObjectPlan, ObjectResult } from './objects/run-objects';
export { lifecycleDrift } from './objects/drift';
export type { DriftEntry } from './objects/drift';
export { providerRules, toLifecycleRules } from './objects/run-objects';
export type { ErasureReceipt } from './erasure/erase-subject';
export type { BatchRecord, BatchStatus, RunRecord, RunStatus } from './ledger/ledger';
export { ArchiveStore } from './archive/archive-store';
export type { ArchiveManifest } from './archive/manifest';
export {
  ArchiveMismatchError,
  ConcurrentChangeError,
  InvalidPolicyError,
  LifecycleAbortedError,
  LifecycleError,
  LifecycleUnavailableError,
  LockTimeoutError,
  NoIndexError,
  PolicyBusyError,
  UnknownIdentifierError,
  UnsupportedError,
} from './errors';
export type { LifecycleErrorCode } from './errors';
