import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Provider } from '@core/cloud-storage/s3';
import { settleWithin, startFaultProxy, startS3rver, watchProcessFaults } from '@core/testing';
import type { FaultProxyHandle, S3rverHandle } from '@core/testing';
import { backup, folderOf, FolderSource, generatedFile, Repository, restore, verify } from '../src';
import type { BackupSource } from '../src';
import { initTestRepo, makeTree, PASSPHRASE, tempDir } from './fixtures';

// The repository on s3rver behind the fault proxy: backup, restore and verify settle with the package's
// typed storage error while the network stalls or resets (a hang shows as `pending`), nothing reaches the
// process uncaught, and once the fault clears the next backup succeeds and the repository verifies.
const BOUND_MS = 30_000;

describe('a repository on S3 through a faulty network (s3rver)', () => {
  let s3: S3rverHandle;
  let proxy: FaultProxyHandle;
  let provider: S3Provider;
  let source: string;
  let snapshotId: string;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['faults'] });
    proxy = await startFaultProxy({ port: Number(new URL(s3.endpoint).port) });
    const client = new S3Client({ endpoint: `http://127.0.0.1:${proxy.port}`, region: s3.region, forcePathStyle: true, maxAttempts: 2, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    provider = new S3Provider({ bucket: 'faults', client, timeoutMs: 1_000 });
    source = await tempDir();
    await makeTree(source);
    const repository = await initTestRepo(provider);
    snapshotId = (await backup(repository, new FolderSource(source))).snapshot.id;
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
    await rm(source, { recursive: true, force: true });
  });

  it.each([
    ['stall', (p: FaultProxyHandle) => p.stall()],
    ['reset', (p: FaultProxyHandle) => p.reset()],
  ])('%s: backup, restore and verify settle with StorageUnavailableError, then work again', async (name, fault) => {
    const watch = watchProcessFaults();
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    fault(proxy);
    const targets = [await tempDir(), await tempDir()];
    const report = await settleWithin(
      [() => backup(repository, new FolderSource(source), { force: true }), () => restore(repository, snapshotId, { target: targets[0]! }), () => verify(repository, { readData: true })],
      BOUND_MS,
    );
    console.log(`backup repository on s3, ${name}`, report);
    expect(report.pending).toBe(0);
    expect(Object.keys(report.errors)).toEqual(['StorageUnavailableError:BACKUP_STORAGE_UNAVAILABLE']);
    await proxy.clear();
    const healed = await Repository.open(provider, { passphrase: PASSPHRASE });
    await healed.unlock(true); // the failed runs could not remove their locks while the network was down
    await backup(healed, new FolderSource(source));
    await restore(healed, snapshotId, { target: targets[1]! });
    expect((await verify(healed, { readData: true })).errors).toEqual([]);
    expect(watch.stop()).toEqual([]);
    for (const target of targets) await rm(target, { recursive: true, force: true });
  });

  it('a stall in the middle of a backup, and a connection cut in the middle of a restore, fail with StorageUnavailableError', async () => {
    const watch = watchProcessFaults();
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    // The source stalls the network once it has handed over its first 600 KB (two packs' worth).
    const stallingSource: BackupSource = {
      kind: 'test',
      identity: 'stalls-midway',
      open: () =>
        Promise.resolve({
          root: folderOf('', [
            generatedFile('data.bin', async function* () {
              yield randomBytes(600_000);
              proxy.stall();
              yield randomBytes(600_000);
            }),
          ]),
          close: () => Promise.resolve(),
        }),
    };
    const backingUp = await settleWithin([() => backup(repository, stallingSource)], BOUND_MS);
    await proxy.clear();
    const big = (await backup(repository, stallingSourceWithoutStall())).snapshot.id;
    const target = await tempDir();
    proxy.reset(); // drop the kept-alive connections: the cut applies to new ones
    await proxy.clear();
    proxy.cutAfter(20_000); // every connection is cut after 20 KB: the listings pass, the first 64 KiB blob breaks mid-transfer
    const restoring = await settleWithin([() => restore(repository, big, { target })], BOUND_MS);
    console.log('backup repository on s3, fault mid-run', backingUp, restoring);
    expect([backingUp.pending, restoring.pending]).toEqual([0, 0]);
    expect(Object.keys(backingUp.errors)).toEqual(['StorageUnavailableError:BACKUP_STORAGE_UNAVAILABLE']);
    expect(Object.keys(restoring.errors)).toEqual(['StorageUnavailableError:BACKUP_STORAGE_UNAVAILABLE']);
    await proxy.clear();
    proxy.cutAfter(undefined);
    const healed = await Repository.open(provider, { passphrase: PASSPHRASE });
    await healed.unlock(true);
    expect((await verify(healed, { readData: true })).errors).toEqual([]);
    expect(watch.stop()).toEqual([]);
    await rm(target, { recursive: true, force: true });
  });
});

function stallingSourceWithoutStall(): BackupSource {
  const data = randomBytes(1_200_000);
  return { kind: 'test', identity: 'big', open: () => Promise.resolve({ root: folderOf('', [generatedFile('big.bin', async function* () { yield data; })]), close: () => Promise.resolve() }) };
}
