import { S3Client } from '@aws-sdk/client-s3';
import { S3Provider } from '@core/cloud-storage/s3';
import { startS3rver } from '@core/testing';
import type { S3rverHandle } from '@core/testing';
import { repositorySuite } from './repository-suite';

let s3: S3rverHandle;
let bucket = 0;
beforeAll(async () => {
  s3 = await startS3rver({ buckets: Array.from({ length: 10 }, (_, i) => `backup-${i}`) });
});
afterAll(() => s3.stop());

repositorySuite('S3 (s3rver)', () => {
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  return Promise.resolve(new S3Provider({ bucket: `backup-${bucket++}`, client, prefix: 'repos/main/' }));
});
