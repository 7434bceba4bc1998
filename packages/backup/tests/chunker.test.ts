import { createHash, createCipheriv } from 'node:crypto';
import { chunkStream } from '../src/chunker/chunk-stream';
import { chunkerMasks } from '../src/chunker/fastcdc';
import { gearTable } from '../src/chunker/gear-table';
import { InvalidOptionsError } from '../src';

const PARAMS = { min: 2 * 1024, avg: 8 * 1024, max: 64 * 1024 };

/** Deterministic pseudo-random bytes (AES-CTR keystream), so the figures below are reproducible. */
function bytes(length: number, seed = 1): Buffer {
  return createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(length));
}

async function cut(data: Buffer, seed = Buffer.alloc(32, 9), pieceSize = 100_000): Promise<Buffer[]> {
  const pieces = async function* () {
    for (let i = 0; i < data.length; i += pieceSize) yield data.subarray(i, i + pieceSize);
  };
  const out: Buffer[] = [];
  for await (const chunk of chunkStream(pieces(), PARAMS, gearTable(seed))) out.push(Buffer.from(chunk));
  return out;
}

const ids = (chunks: Buffer[]) => chunks.map((c) => createHash('sha256').update(c).digest('hex'));

describe('FastCDC chunker', () => {
  it('cuts between min and max (the last chunk may be shorter), loses no byte, averages near the target', async () => {
    const data = bytes(4 * 1024 * 1024);
    const chunks = await cut(data);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(PARAMS.min);
      expect(chunk.length).toBeLessThanOrEqual(PARAMS.max);
    }
    const average = data.length / chunks.length;
    expect(average).toBeGreaterThan(PARAMS.avg * 0.6);
    expect(average).toBeLessThan(PARAMS.avg * 1.6);
  });

  it('finds the same boundaries whatever sizes the stream arrives in', async () => {
    const data = bytes(1024 * 1024, 2);
    expect(ids(await cut(data, undefined, 997))).toEqual(ids(await cut(data, undefined, 1024 * 1024)));
  });

  it('is content-defined: bytes inserted at the front change only the first chunks', async () => {
    const data = bytes(2 * 1024 * 1024, 3);
    const before = new Set(ids(await cut(data)));
    const after = ids(await cut(Buffer.concat([Buffer.from('inserted bytes'), data])));
    const shared = after.filter((id) => before.has(id)).length;
    expect(shared / after.length).toBeGreaterThan(0.95);
  });

  it('draws its boundaries from the secret gear table: another repository key cuts elsewhere', async () => {
    const data = bytes(1024 * 1024, 4);
    const a = (await cut(data, Buffer.alloc(32, 1))).map((c) => c.length);
    const b = (await cut(data, Buffer.alloc(32, 2))).map((c) => c.length);
    expect(a).not.toEqual(b);
  });

  it('cuts long runs of one byte at max (no boundary in constant data)', async () => {
    const chunks = await cut(Buffer.alloc(300 * 1024, 0));
    expect(chunks.map((c) => c.length)).toEqual([65536, 65536, 65536, 65536, 45056]);
  });

  it('rejects bounds that are not min < avg < max with a typed error naming the field', () => {
    expect(() => chunkerMasks({ min: 8192, avg: 4096, max: 65536 })).toThrow(InvalidOptionsError);
    expect(() => chunkerMasks({ min: 1.5, avg: 4096, max: 65536 })).toThrow(/chunker\.min/);
  });
});
