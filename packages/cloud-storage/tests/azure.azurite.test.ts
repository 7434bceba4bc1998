import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { startAzurite, type AzuriteHandle } from '@core/testing';
import { UnsupportedFeatureError, readAll } from '../src';
import { AzureProvider } from '../src/azure';
import { conformance } from './conformance';

let azurite: AzuriteHandle;
let service: BlobServiceClient;
let seq = 0;

async function freshContainer() {
  const container = service.getContainerClient(`c${Date.now()}${seq++}`);
  await container.create();
  return container;
}

beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
}, 30_000);
afterAll(() => azurite.stop());

conformance('Azure Blob (azurite)', async () => {
  const container = await freshContainer();
  return { provider: new AzureProvider({ container, prefix: 'tenant-a/' }), cleanup: async () => void (await container.delete()) };
});

describe('AzureProvider specifics (azurite)', () => {
  it('uploads in parallel blocks and reads back with verification', async () => {
    const provider = new AzureProvider({ container: await freshContainer(), blockSize: 1024 * 1024, concurrency: 2 });
    const data = randomBytes(5 * 1024 * 1024 + 17);
    const info = await provider.put('big.bin', Readable.from([data]));
    expect(info.size).toBe(data.length);
    expect((await readAll(await provider.get('big.bin', { verify: true }))).equals(data)).toBe(true);
  });

  it('sets access tiers, keeps them on copy, and refuses what Azure cannot do', async () => {
    const provider = new AzureProvider({ container: await freshContainer() });
    const info = await provider.put('cool.txt', 'x', { storageClass: 'Cool' });
    expect(info.storageClass).toBe('Cool');
    await provider.copy('cool.txt', 'cool-copy.txt');
    expect((await provider.stat('cool-copy.txt')).storageClass).toBe('Cool');
    await expect(provider.put('a', 'x', { storageClass: 'GLACIER' })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await expect(provider.put('a', 'x', { encryption: { type: 'sse-kms', keyId: 'k' } })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    expect(await provider.exists('a')).toBe(false);
  });

  it('an interrupted upload leaves no visible blob', async () => {
    const provider = new AzureProvider({ container: await freshContainer(), blockSize: 1024 * 1024 });
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(randomBytes(1024 * 1024));
        else this.destroy(new Error('connection reset'));
      },
    });
    await expect(provider.put('partial.bin', failing)).rejects.toThrow();
    expect(await provider.exists('partial.bin')).toBe(false);
    expect((await provider.list()).objects).toEqual([]);
  });

  it('issues SAS URLs for GET and PUT', async () => {
    const provider = new AzureProvider({ container: await freshContainer() });
    const putUrl = await provider.signedUrl('sas.txt', { method: 'PUT', expiresInSeconds: 60 });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via sas', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(201);
    const getUrl = await provider.signedUrl('sas.txt', { method: 'GET', expiresInSeconds: 60 });
    expect(await (await fetch(getUrl)).text()).toBe('via sas');
  });
});
