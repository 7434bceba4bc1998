export type {
  Body,
  Capabilities,
  Classification,
  Encryption,
  GetOptions,
  ListOptions,
  ListPage,
  ObjectInfo,
  Progress,
  PutOptions,
  SignedUrlOptions,
  StorageProvider,
} from './provider';
export { assertKey, MAX_KEY_BYTES } from './key';
export { listAll } from './list-all';
export { readAll } from './body';
export {
  IntegrityError,
  InvalidKeyError,
  InvalidOptionsError,
  ObjectNotFoundError,
  PartialDeleteError,
  StorageAbortedError,
  StorageError,
  StorageRequestError,
  StorageUnavailableError,
  UnsupportedFeatureError,
} from './errors';
export { replicate } from './replicate';
export type { ReplicateOptions, ReplicateProgress, ReplicateReport } from './replicate';
export { analyzeCosts, DEFAULT_PRICES, MINIMUM_DAYS, MIN_TRANSITION_BYTES } from './cost-analysis';
export type { CostInput, CostRecommendation, CostReport, PriceTable } from './cost-analysis';
export { applyExpiration, LifecycleRuleError, toAzurePolicy, toS3Lifecycle, validateLifecycle } from './lifecycle';
export type { LifecycleRule, LifecycleTarget } from './lifecycle';
export { metered } from './metered-provider';
export type { MeteredProvider, StorageOperation, StorageStats } from './metered-provider';
