import { startAzurite, startS3rver } from '../src';

describe('startS3rver', () => {
  it('serves a bucket on a free port and stops', async () => {
    const s3 = await startS3rver({ buckets: ['probe'] });
    try {
      const put = await fetch(`${s3.endpoint}/probe/hello.txt`, { method: 'PUT', body: 'hi' });
      expect(put.status).toBe(200);
      const get = await fetch(`${s3.endpoint}/probe/hello.txt`);
      expect(await get.text()).toBe('hi');
    } finally {
      await s3.stop();
    }
    await expect(fetch(`${s3.endpoint}/probe/hello.txt`)).rejects.toThrow();
  });
});

describe('startAzurite', () => {
  it('runs the blob service and answers as azurite', async () => {
    const azurite = await startAzurite();
    try {
      expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.blobEndpoint}`);
      const res = await fetch(`${azurite.blobEndpoint}?comp=list`);
      expect(res.headers.get('server') ?? '').toMatch(/Azurite-Blob/);
    } finally {
      await azurite.stop();
    }
    await expect(fetch(`${azurite.blobEndpoint}?comp=list`)).rejects.toThrow();
  });
});
