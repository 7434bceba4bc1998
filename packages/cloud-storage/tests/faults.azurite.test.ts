import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, startFaultProxy, watchProcessFaults, type AzuriteHandle, type FaultProxyHandle } from '@core/testing';
import { FAULTS, settlesAndRecovers } from './storage-faults';
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

  it.each(FAULTS)('%s: every call settles with StorageUnavailableError, then service resumes', (name, fault) =>
    settlesAndRecovers(`azure ${name}`, provider, proxy, fault, BOUND_MS),
  );
});
