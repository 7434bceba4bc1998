import { Lifecycle } from '@core/lifecycle';
import type { PolicyInput } from '@core/lifecycle';
import { postgresDatabase } from '@core/lifecycle/postgres';
import { sqliteDatabase } from '@core/lifecycle/sqlite';
import type { Config } from './config/config';
import { storageFor } from './storage-for';

/** Development's built-in policy when the config file has no `lifecycle:` section: scratch objects expire after a week. */
const DEVELOPMENT_POLICIES: PolicyInput[] = [{ name: 'storage-tmp', kind: 'objects', prefix: 'tmp/', expireAfter: '7d' }];

/** The lifecycle policies of the profile: the config file's, or development's built-in one. */
export function lifecyclePolicies(config: Config): unknown[] {
  if (config.file.lifecycle) return config.file.lifecycle.policies;
  return config.profile === 'development' ? DEVELOPMENT_POLICIES : [];
}

/**
 * The profile's `Lifecycle`: its database (SQLite file or PostgreSQL, which also holds the ledger),
 * archives under `lifecycle/` of the profile's store (sealed when `archive.passphraseFrom` names a set
 * variable), object policies on that store. The config file was validated at start-up.
 */
export function lifecycleFor(config: Config): Lifecycle {
  const section = config.file.lifecycle;
  const storage = storageFor(config.storage);
  const passphrase = config.lifecycle.archivePassphrase;
  const limits = section?.limits;
  return new Lifecycle({
    policies: lifecyclePolicies(config),
    ...(section?.erasure !== undefined ? { erasure: section.erasure } : {}),
    database: config.database.kind === 'postgres' ? postgresDatabase({ connection: config.database.url }) : sqliteDatabase({ database: config.database.file }),
    archive: { storage, prefix: section?.archive?.prefix ?? 'lifecycle/', ...(passphrase ? { passphrase } : {}) },
    objects: storage,
    limits: { ...(limits?.lockTimeout ? { lockTimeoutMs: limits.lockTimeout } : {}), ...(limits?.statementTimeout ? { statementTimeoutMs: limits.statementTimeout } : {}), ...(limits?.maxLockRetries !== undefined ? { maxLockRetries: limits.maxLockRetries } : {}) },
  });
}
