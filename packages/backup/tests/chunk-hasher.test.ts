import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ChunkHasher } from '../src/crypto/chunk-hasher';

describe('the chunk hasher (worker thread)', () => {
  it('gives the same blob ids and file SHA-256 on its worker as inline, for interleaved files', async () => {
    const key = randomBytes(32);
    const worker = new ChunkHasher(key);
    const inline = ChunkHasher.inline(key);
    const chunks = [randomBytes(100_000), randomBytes(3), randomBytes(2 * 1024 * 1024)];
    const big = Buffer.concat(chunks);
    const [a, b] = [worker.openFile(), worker.openFile()];
    const ids = await Promise.all([worker.chunkId(a, chunks[0]!), worker.chunkId(b, big), worker.chunkId(a, chunks[1]!.subarray(0)), worker.chunkId(a, chunks[2]!)]);
    expect(ids).toEqual([chunks[0]!, big, chunks[1]!, chunks[2]!].map((c) => createHmac('sha256', key).update(c).digest('hex')));
    expect(await worker.fileSha256(a)).toBe(createHash('sha256').update(big).digest('hex'));
    expect(await worker.fileSha256(b)).toBe(createHash('sha256').update(big).digest('hex'));
    const f = inline.openFile();
    expect(await inline.chunkId(f, chunks[0]!)).toBe(ids[0]);
    await worker.close();
  });

  it('falls back to hashing inline once its worker is gone', async () => {
    const hasher = new ChunkHasher(undefined);
    const first = hasher.openFile();
    await hasher.chunkId(first, Buffer.from('warm up'));
    await hasher.close();
    const file = hasher.openFile();
    expect(await hasher.chunkId(file, Buffer.from('abc'))).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});
