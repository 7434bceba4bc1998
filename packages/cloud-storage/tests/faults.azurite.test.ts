import { BlobServiceClient } from '@azure/storage-blob';
import { settleWithin, startAzurite, startFaultProxy, watchProcessFaults, type AzuriteHandle, type FaultProxyHandle } from '@core/testing';
import { readAll, type StorageProvider } from '../src';
import { AzureProvider } from '../src/azure';

// azurite behind the fault proxy, as faults.s3.test.ts does for s3rver.
const BOUND_MS = 20_000;

describe('Azure Blob through a faulty network (azurite)', () => {
  let azurite: AzuriteHandle;
  let proxy: FaultProxyHandle;
  let provider: AzureProvider;
  let watch: ReturnType<typeof watchProcessFaults>;

  beforeAll(async () => {
    azurite = await startAzurite();
    const port = Number(new URL(azurite.blobEndpoint).port);
    proxy = await startFaultProxy({ port });
    const viaProxy = azurite.connectionString.replace(`127.0.0.1:${port}`, `127.0.0.1:${proxy.port}`);
    const container = BlobServiceClient.fromConnectionString(viaProxy).getContainerClient('faults');
    await container.create();
    provider = new AzureProvider({ container, timeoutMs: 1_000 });
    await provider.put('seed.txt', 'seed');
  }, 30_000);
  beforeEach(() => (watch = watchProcessFaults()));
  afterEach(async () => {
    await proxy.clear();
    expect(watch.stop()).toEqual([]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
  });

  const calls = (p: StorageProvider) => [
    () => p.put('new.txt', 'payload'),
    () => p.get('seed.txt').then(readAll),
    () => p.stat('seed.txt'),
    () => p.exists('seed.txt'),
    () => p.list(),
    () => p.copy('seed.txt', 'copy.txt'),
    () => p.delete(['copy.txt']),
  ];

  it.each([
    ['stall', (p: FaultProxyHandle) => p.stall()],
    ['reset', (p: FaultProxyHandle) => p.reset()],
    ['refused', (p: FaultProxyHandle) => p.refuse()],
  ])('%s: every call settles with StorageUnavailableError, then service resumes', async (name, fault) => {
    await fault(proxy);
    const report = await settleWithin(calls(provider), BOUND_MS);
    console.log(`azure ${name}`, report);
    expect(report.pending).toBe(0);
    expect(report.resolved).toBe(0);
    for (const key of Object.keys(report.errors)) expect(key).toMatch(/:STORAGE_UNAVAILABLE$/);
    await proxy.clear();
    expect((await readAll(await provider.get('seed.txt'))).toString()).toBe('seed');
    expect((await provider.put('after.txt', 'ok')).size).toBe(2);
  });
});
