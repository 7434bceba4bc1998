import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { settleWithin, startFaultProxy, startS3rver, watchProcessFaults, type FaultProxyHandle, type S3rverHandle } from '@core/testing';
import { FAULTS, settlesAndRecovers } from './storage-faults';
import { PartialDeleteError, readAll, StorageError } from '../src';
import { S3Provider } from '../src/s3';

// s3rver behind the fault proxy: every call settles with a typed error within a generous bound (a hang
// shows as `pending`), nothing reaches the process uncaught, and the first call after the fault works.
const BOUND_MS = 20_000;

describe('S3 through a faulty network (s3rver)', () => {
  let s3: S3rverHandle;
  let proxy: FaultProxyHandle;
  let provider: S3Provider;
  let watch: ReturnType<typeof watchProcessFaults>;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['faults', 'prefixes'] });
    proxy = await startFaultProxy({ port: Number(new URL(s3.endpoint).port) });
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${proxy.port}`,
      region: s3.region,
      forcePathStyle: true,
      maxAttempts: 2,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    provider = new S3Provider({ bucket: 'faults', client, timeoutMs: 1_000 });
    await provider.put('seed.txt', 'seed');
  });
  beforeEach(() => (watch = watchProcessFaults()));
  afterEach(async () => {
    await proxy.clear();
    expect(watch.stop()).toEqual([]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  it.each(FAULTS)('%s: every call settles with StorageUnavailableError, then service resumes', (name, fault) =>
    settlesAndRecovers(`s3 ${name}`, provider, proxy, fault, BOUND_MS),
  );

  it('a download that stalls mid-body fails its stream instead of hanging', async () => {
    await provider.put('big.bin', Buffer.alloc(8 * 1024 * 1024, 7));
    const stream = await provider.get('big.bin');
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        chunks.push(chunk as Buffer);
        if (chunks.length === 1) proxy.stall();
      }
    })();
    const report = await settleWithin([() => reading], BOUND_MS);
    console.log('s3 stall mid-body', report);
    expect(report.pending).toBe(0);
    expect(Object.keys(report.errors)).toEqual(['StorageUnavailableError:STORAGE_UNAVAILABLE']);
  });

  it('a caller signal aborts a stalled call with StorageAbortedError', async () => {
    proxy.stall();
    const controller = new AbortController();
    const pending = provider.get('seed.txt', { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 100);
    const error = (await pending) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE_ABORTED');
  });

  it('a prefix without a trailing slash is a folder: it does not see its neighbours', async () => {
    await proxy.clear();
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await new S3Provider({ bucket: 'prefixes', client, prefix: 'tenant-ab' }).put('secret.txt', 'b');
    const a = new S3Provider({ bucket: 'prefixes', client, prefix: 'tenant-a' });
    await a.put('mine.txt', 'a');
    expect((await a.list()).objects.map((o) => o.key)).toEqual(['mine.txt']);
  });

  it('when the checksum tag cannot be written, the new object is kept (not deleted with the one it replaced) and the put says so', async () => {
    await proxy.clear();
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const stamped = new S3Provider({ bucket: 'prefixes', client });
    await stamped.put('doc.txt', 'version 1');
    // Fault injection in the client (the server is real): every PutObjectTagging fails as a dropped connection would.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectTaggingCommand') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return next(args);
      },
      { step: 'initialize', name: 'failTagging' },
    );
    // A stream is hashed as it is sent, so its checksum is stamped afterwards (bytes are hashed first).
    const error = await stamped.put('doc.txt', Readable.from([Buffer.from('version 2')])).catch((e: unknown) => e);
    expect((error as StorageError).code).toBe('STORAGE_UNAVAILABLE');
    expect((await readAll(await stamped.get('doc.txt'))).toString()).toBe('version 2');
  });

  it('keys that DeleteObjects reports as not deleted are a PartialDeleteError, not a silent success', async () => {
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const store = new S3Provider({ bucket: 'prefixes', client });
    await store.put('keep-a.txt', 'a');
    await store.put('keep-b.txt', 'b');
    // Fault injection in the client (the server is real): the answer names one key as refused, as S3
    // does for a key the caller may not delete.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'DeleteObjectsCommand') (result.output as { Errors?: unknown[] }).Errors = [{ Key: 'keep-b.txt', Code: 'AccessDenied', Message: 'Access Denied' }];
        return result;
      },
      { step: 'initialize', name: 'refuseOneKey' },
    );
    const error = (await store.delete(['keep-a.txt', 'keep-b.txt']).catch((e: unknown) => e)) as PartialDeleteError;
    expect(error).toBeInstanceOf(PartialDeleteError);
    expect(error.failed).toEqual([{ key: 'keep-b.txt', reason: 'AccessDenied: Access Denied' }]);
    expect(error.deleted).toBe(1);
  });
});
