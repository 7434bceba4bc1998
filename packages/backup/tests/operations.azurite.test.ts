import { BlobServiceClient } from '@azure/storage-blob';
import { AzureProvider } from '@core/cloud-storage/azure';
import { startAzurite } from '@core/testing';
import type { AzuriteHandle } from '@core/testing';
import { repositorySuite } from './repository-suite';

let azurite: AzuriteHandle;
let service: BlobServiceClient;
let seq = 0;
beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
}, 30_000);
afterAll(() => azurite.stop());

repositorySuite('Azure Blob (azurite)', async () => {
  const container = service.getContainerClient(`backup${Date.now()}${seq++}`);
  await container.create();
  return new AzureProvider({ container, prefix: 'repos/main/' });
});
