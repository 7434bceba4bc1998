import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyHashed } from '../src/local/copy-hashed';

const MIB = 1024 * 1024;

describe.each([
  ['direct I/O', true],
  ['copyFile beside a hashing read', false],
])('copyHashed through %s', (_name, direct) => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'core-copy-hashed-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function check(data: Buffer, existingTarget?: Buffer): Promise<number[]> {
    await writeFile(join(dir, 'source'), data);
    if (existingTarget) await writeFile(join(dir, 'target'), existingTarget);
    const progress: number[] = [];
    const copied = await copyHashed(join(dir, 'source'), join(dir, 'target'), { direct, onChunk: (bytes) => progress.push(bytes) });
    expect(copied).toEqual({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    expect((await readFile(join(dir, 'target'))).equals(data)).toBe(true);
    return progress;
  }

  it('copies and hashes a file of several chunks with a tail that is not a whole block', async () => {
    const progress = await check(randomBytes(3 * 8 * MIB + 12_345));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(3 * 8 * MIB + 12_345);
  });

  it('copies an empty file', async () => {
    await check(Buffer.alloc(0));
  });

  it('replaces a longer file that was there before', async () => {
    await check(randomBytes(5_000), randomBytes(9 * MIB));
  });

  it('fails on a missing source', async () => {
    await expect(copyHashed(join(dir, 'nope'), join(dir, 'target'), { direct })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
