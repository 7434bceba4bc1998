import { Repository, RepositoryNotFoundError } from '@core/backup';
import type { StorageProvider } from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import type { Config } from './config/config';
import { ConfigError } from './errors';
import { storageFor } from './storage-for';

/** Where the profile's backup repository lives and how it is opened. */
export interface BackupLocation {
  provider: StorageProvider;
  prefix: string;
  passphrase: string | undefined;
  /** Development and test create the repository on first use; production needs `core backup init`. */
  autoInit: boolean;
}

/**
 * development/test: `<data>/backups` on local disk, encrypted when BACKUP_PASSPHRASE is set and
 * explicitly unencrypted otherwise; production: the profile's store under `backups/`, always encrypted.
 */
export function backupLocation(config: Config): BackupLocation {
  if (config.profile === 'production') {
    if (!config.backups.passphrase) throw new ConfigError('production', [{ variable: 'BACKUP_PASSPHRASE', message: 'required for backups in production (a passphrase of at least 12 characters)' }]);
    return { provider: storageFor(config.storage), prefix: 'backups', passphrase: config.backups.passphrase, autoInit: false };
  }
  return { provider: new LocalProvider({ root: config.backups.dir }), prefix: '', passphrase: config.backups.passphrase, autoInit: true };
}

/** Opens the profile's repository (creating it first in development and test). */
export async function openBackupRepository(config: Config): Promise<Repository> {
  const location = backupLocation(config);
  const options = { prefix: location.prefix, ...(location.passphrase ? { passphrase: location.passphrase } : {}) };
  try {
    return await Repository.open(location.provider, options);
  } catch (error) {
    if (!(error instanceof RepositoryNotFoundError) || !location.autoInit) throw error;
    return initBackupRepository(config);
  }
}

/** Creates the profile's repository (`core backup init`). */
export function initBackupRepository(config: Config): Promise<Repository> {
  const location = backupLocation(config);
  return Repository.init(location.provider, { prefix: location.prefix, ...(location.passphrase ? { passphrase: location.passphrase } : { unencrypted: true }) });
}
