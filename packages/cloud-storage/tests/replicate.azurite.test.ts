import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { S3Client } from '@aws-sdk/client-s3';
import { startAzurite, startS3rver, type AzuriteHandle, type S3rverHandle } from '@core/testing';
import { readAll, replicate, type ReplicateProgress } from '../src';
import { AzureProvider } from '../src/azure';
import { LocalProvider } from '../src/local';
import { S3Provider } from '../src/s3';

describe('replicate local → S3 → Azure (s3rver, azurite)', () => {
  let s3: S3rverHandle;
  let azurite: AzuriteHandle;
  let root: string;
  beforeAll(async () => {
    [s3, azurite] = await Promise.all([startS3rver({ buckets: ['replica'] }), startAzurite()]);
    root = await mkdtemp(join(tmpdir(), 'core-replicate-'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([s3.stop(), azurite.stop(), rm(root, { recursive: true, force: true })]);
  });

  it('copies everything under the prefix, verifies it, and skips what is already identical', async () => {
    const local = new LocalProvider({ root });
    const bucket = new S3Provider({
      bucket: 'replica',
      client: new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }),
    });
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('replica');
    await container.create();
    const blob = new AzureProvider({ container });

    for (let i = 0; i < 12; i++) await local.put(`data/${i}.txt`, `payload ${i}`, { contentType: 'text/plain', metadata: { n: String(i) } });
    await local.put('elsewhere/skip.txt', 'not replicated');

    const progress: ReplicateProgress[] = [];
    const first = await replicate(local, bucket, { prefix: 'data/', onProgress: (p) => progress.push(p) });
    expect(first.copied).toHaveLength(12);
    expect(first.failed).toEqual([]);
    expect(progress.at(-1)).toMatchObject({ done: 12 });
    expect(await bucket.exists('elsewhere/skip.txt')).toBe(false);

    const second = await replicate(bucket, blob, { prefix: 'data/' });
    expect(second.copied).toHaveLength(12);
    expect((await readAll(await blob.get('data/7.txt', { verify: true }))).toString()).toBe('payload 7');
    expect((await blob.stat('data/7.txt')).metadata).toEqual({ n: '7' });

    await local.put('data/3.txt', 'changed');
    const again = await replicate(local, bucket, { prefix: 'data/' });
    expect(again.copied).toEqual(['data/3.txt']);
    expect(again.skipped).toHaveLength(11);
    expect((await readAll(await bucket.get('data/3.txt'))).toString()).toBe('changed');
  });

  it('never leaves a copy of a source object whose bytes no longer match its checksum', async () => {
    const source = new LocalProvider({ root: join(root, 'tampered-source') });
    const target = new LocalProvider({ root: join(root, 'tampered-target') });
    await source.put('t/good.txt', 'good bytes');
    await source.put('t/bad.txt', 'original bytes');
    const onDisk = join(root, 'tampered-source', 't/bad.txt');
    await writeFile(onDisk, Buffer.from((await readFile(onDisk)).toString().toUpperCase())); // same size, other bytes
    const report = await replicate(source, target, { prefix: 't/' });
    expect(report.copied).toEqual(['t/good.txt']);
    expect(report.failed.map((f) => f.key)).toEqual(['t/bad.txt']);
    expect(await target.exists('t/bad.txt')).toBe(false);
  });
});
