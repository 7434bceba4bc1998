import { S3Client } from '@aws-sdk/client-s3';
import { metered, type MeteredProvider, type StorageProvider } from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import { S3Provider } from '@core/cloud-storage/s3';
import type { StorageConfig } from './config/config';

const shared = new Map<string, MeteredProvider>();

/**
 * The object store of the profile: local disk, or S3 (with `S3_ENDPOINT` for S3-compatible stores and GCS).
 * One metered provider per configuration and process, so the lifecycle, the backups and `core_storage_*`
 * share its client and its counters.
 */
export function storageFor(config: StorageConfig): MeteredProvider {
  const key = JSON.stringify(config);
  let provider = shared.get(key);
  if (!provider) shared.set(key, (provider = metered(config.kind === 'local' ? new LocalProvider({ root: config.root }) : s3Provider(config.bucket, config.region, config.endpoint))));
  return provider;
}

/** An S3 provider from a bucket, region and optional endpoint (credentials from the AWS environment). */
export function s3Provider(bucket: string, region: string, endpoint: string | undefined, prefix?: string): StorageProvider {
  const client = new S3Client({ region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  return new S3Provider({ bucket, client, ...(prefix ? { prefix } : {}) });
}
