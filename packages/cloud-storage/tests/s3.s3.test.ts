import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectTaggingCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from '@core/testing';
import { IntegrityError, UnsupportedFeatureError, readAll } from '../src';
import { S3Provider } from '../src/s3';
import { partSizeFor } from '../src/s3/s3-provider';
import { conformance } from './conformance';

let s3: S3rverHandle;
let bucketSeq = 0;
const clientFor = (handle: S3rverHandle) =>
  new S3Client({
    endpoint: handle.endpoint,
    region: handle.region,
    forcePathStyle: true,
    credentials: { accessKeyId: handle.accessKeyId, secretAccessKey: handle.secretAccessKey },
  });

beforeAll(async () => {
  s3 = await startS3rver({ buckets: Array.from({ length: 40 }, (_, i) => `bucket-${i}`) });
});
afterAll(() => s3.stop());

// Each test gets its own bucket (s3rver made them at start) under a key prefix, which must be honoured.
conformance('S3 (s3rver)', async () => {
  const provider = new S3Provider({ bucket: `bucket-${bucketSeq++}`, client: clientFor(s3), prefix: 'tenant-a/' });
  return { provider, cleanup: async () => undefined };
});

describe('S3Provider specifics (s3rver)', () => {
  it('uploads a file larger than 5 parts as multipart with a bounded queue, and reads it back', async () => {
    const provider = new S3Provider({ bucket: `bucket-${bucketSeq++}`, client: clientFor(s3), queueSize: 2 });
    const data = randomBytes(5 * 5 * 1024 * 1024 + 123); // just over 5 parts of 5 MiB
    let highest = 0;
    const info = await provider.put('big.bin', Readable.from([data.subarray(0, 10_000_000), data.subarray(10_000_000)]), {
      onProgress: (p) => (highest = p.bytes),
    });
    expect(highest).toBe(data.length);
    expect(info.size).toBe(data.length);
    expect(info.checksum?.value).toMatch(/^[0-9a-f]{64}$/);
    expect((await readAll(await provider.get('big.bin', { verify: true }))).equals(data)).toBe(true);
    expect(partSizeFor(data.length)).toBe(5 * 1024 * 1024);
    expect(partSizeFor(100 * 1024 ** 3)).toBe(Math.ceil((100 * 1024 ** 3) / 10_000));
  }, 60_000);

  it('keeps the checksum of bytes in the metadata, and stamps files and streams with a tag that copies keep (GCS: a metadata copy)', async () => {
    const client = clientFor(s3);
    const bucket = `bucket-${bucketSeq++}`;
    const provider = new S3Provider({ bucket, client });
    const gcs = new S3Provider({ bucket, client, flavor: 'gcs', prefix: 'gcs/' });
    const dir = await mkdtemp(join(tmpdir(), 'core-s3-stamp-'));
    const data = randomBytes(6 * 1024 * 1024);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await writeFile(join(dir, 'f.bin'), data);
    const stored = async (key: string) => ({
      metadata: (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata?.['core-sha256'],
      tag: (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet?.find((t) => t.Key === 'core-sha256')?.Value,
    });
    try {
      await provider.put('bytes.bin', data);
      await provider.put('file.bin', { path: join(dir, 'f.bin') });
      await provider.put('stream.bin', Readable.from([data]));
      await gcs.put('file.bin', { path: join(dir, 'f.bin') });
      await gcs.put('stream.bin', Readable.from([data]));
      expect(await stored('bytes.bin')).toEqual({ metadata: sha256, tag: undefined });
      expect(await stored('file.bin')).toEqual({ metadata: undefined, tag: sha256 });
      expect(await stored('stream.bin')).toEqual({ metadata: undefined, tag: sha256 });
      expect(await stored('gcs/file.bin')).toEqual({ metadata: sha256, tag: undefined });
      expect(await stored('gcs/stream.bin')).toEqual({ metadata: sha256, tag: undefined });
      await provider.copy('stream.bin', 'copied.bin');
      expect(await stored('copied.bin')).toEqual({ metadata: undefined, tag: sha256 });
      for (const [store, key] of [[provider, 'bytes.bin'], [provider, 'file.bin'], [provider, 'stream.bin'], [provider, 'copied.bin'], [gcs, 'file.bin'], [gcs, 'stream.bin']] as const) {
        expect((await store.stat(key)).checksum).toEqual({ algorithm: 'sha256', value: sha256 });
        expect((await readAll(await store.get(key, { verify: true }))).equals(data)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends SSE and storage-class headers, and refuses what the store cannot do', async () => {
    const client = clientFor(s3);
    const bucket = `bucket-${bucketSeq++}`;
    const sent: Array<Record<string, string>> = [];
    client.middlewareStack.add((next) => async (args) => {
      sent.push({ ...((args.request as { headers?: Record<string, string> }).headers ?? {}) });
      return next(args);
    }, { step: 'finalizeRequest' });
    const provider = new S3Provider({ bucket, client });
    await provider.put('kms.txt', 'x', { encryption: { type: 'sse-kms', keyId: 'alias/core' }, storageClass: 'STANDARD_IA' });
    expect(sent.some((h) => h['x-amz-server-side-encryption'] === 'aws:kms' && h['x-amz-server-side-encryption-aws-kms-key-id'] === 'alias/core')).toBe(true);
    expect(sent.some((h) => h['x-amz-storage-class'] === 'STANDARD_IA')).toBe(true);
    await provider.put('secret.txt', 'x', { classification: 'confidential' });
    expect(sent.some((h) => h['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
    await expect(provider.put('a', 'x', { storageClass: 'FROZEN' })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await expect(provider.put('a', 'x', { encryption: { type: 'client' } })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    const gcs = new S3Provider({ bucket, client, flavor: 'gcs' });
    await expect(gcs.put('a', 'x', { encryption: { type: 'sse-s3' } })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    expect(gcs.capabilities().storageClasses).toContain('NEARLINE');
    expect(await provider.exists('a')).toBe(false);
  });

  it('a copy keeps the storage class and the SSE settings of its source', async () => {
    const client = clientFor(s3);
    const bucket = `bucket-${bucketSeq++}`;
    const provider = new S3Provider({ bucket, client });
    await provider.put('cold.txt', 'x', { storageClass: 'STANDARD_IA' });
    await provider.copy('cold.txt', 'cold-copy.txt');
    expect((await provider.stat('cold-copy.txt')).storageClass).toBe('STANDARD_IA');

    // s3rver keeps no SSE settings, so this part gives its HEAD answers the fields AWS would return and
    // checks the copy request that goes out.
    const sent: Array<Record<string, string>> = [];
    client.middlewareStack.add((next) => async (args) => {
      sent.push({ ...((args.request as { headers?: Record<string, string> }).headers ?? {}) });
      return next(args);
    }, { step: 'finalizeRequest' });
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'HeadObjectCommand') Object.assign(result.output as object, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/core' });
      return result;
    }, { step: 'initialize', name: 'aws-sse-head-answer' });
    await provider.copy('cold.txt', 'kms-copy.txt');
    expect(sent.some((h) => h['x-amz-copy-source'] && h['x-amz-server-side-encryption'] === 'aws:kms' && h['x-amz-server-side-encryption-aws-kms-key-id'] === 'alias/core')).toBe(true);
  });

  it('reports a corrupt object to a consumer that starts reading late, never as an uncaught error', async () => {
    const client = clientFor(s3);
    const bucket = `bucket-${bucketSeq++}`;
    const provider = new S3Provider({ bucket, client });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad.txt', Body: 'tampered', Metadata: { 'core-sha256': '0'.repeat(64) } }));
    const stream = await provider.get('bad.txt', { verify: true });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the whole body has arrived; nobody reads yet
    await expect(readAll(stream)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('presigns GET and PUT URLs that work without credentials', async () => {
    const provider = new S3Provider({ bucket: `bucket-${bucketSeq++}`, client: clientFor(s3) });
    const putUrl = await provider.signedUrl('signed.txt', { method: 'PUT', expiresInSeconds: 60 });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via url' })).status).toBe(200);
    const getUrl = await provider.signedUrl('signed.txt', { method: 'GET', expiresInSeconds: 60 });
    expect(await (await fetch(getUrl)).text()).toBe('via url');
  });

  it('an interrupted upload leaves no visible object and no open multipart upload', async () => {
    const client = clientFor(s3);
    const bucket = `bucket-${bucketSeq++}`;
    const provider = new S3Provider({ bucket, client });
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(randomBytes(4 * 1024 * 1024));
        else this.destroy(new Error('connection reset'));
      },
    });
    await expect(provider.put('partial.bin', failing)).rejects.toThrow();
    expect(await provider.exists('partial.bin')).toBe(false);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'partial.bin' }))).rejects.toBeDefined();
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket })).catch(() => ({ Uploads: [] }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
