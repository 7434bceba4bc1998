import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IntegrityError, InvalidKeyError, InvalidOptionsError, UnsupportedFeatureError, readAll } from '../src';
import { LocalProvider } from '../src/local';
import { conformance } from './conformance';

const key = randomBytes(32);

conformance('local disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'core-storage-'));
  return { provider: new LocalProvider({ root, encryptionKey: key }), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('LocalProvider specifics', () => {
  let root: string;
  let provider: LocalProvider;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-storage-'));
    provider = new LocalProvider({ root, encryptionKey: key });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('encrypts confidential objects with AES-256-GCM on disk and reads them back, ranges included', async () => {
    const secret = Buffer.from('salary: 123456; '.repeat(100));
    const info = await provider.put('hr/pay.txt', secret, { classification: 'confidential' });
    expect(info.encrypted).toBe(true);
    const onDisk = await readFile(join(root, 'hr/pay.txt'));
    expect(onDisk.includes(Buffer.from('salary'))).toBe(false);
    expect((await readAll(await provider.get('hr/pay.txt', { verify: true }))).equals(secret)).toBe(true);
    expect((await readAll(await provider.get('hr/pay.txt', { range: { start: 8, end: 13 } }))).toString()).toBe('123456');
    const wrongKey = new LocalProvider({ root, encryptionKey: randomBytes(32) });
    await expect(readAll(await wrongKey.get('hr/pay.txt'))).rejects.toBeInstanceOf(IntegrityError);
    await expect(new LocalProvider({ root }).get('hr/pay.txt')).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('confidential without a key is refused and writes nothing', async () => {
    const bare = new LocalProvider({ root });
    await expect(bare.put('c.txt', 'x', { classification: 'confidential' })).rejects.toBeInstanceOf(InvalidOptionsError);
    expect(await bare.exists('c.txt')).toBe(false);
  });

  it('detects a corrupted file when verifying', async () => {
    await provider.put('v.txt', 'original');
    await writeFile(join(root, 'v.txt'), 'tampered');
    await expect(readAll(await provider.get('v.txt', { verify: true }))).rejects.toBeInstanceOf(IntegrityError);
  });

  it('reports a failure to a consumer that starts reading late, never as an uncaught error', async () => {
    const later = () => new Promise((resolve) => setTimeout(resolve, 100));
    await provider.put('v.txt', 'original');
    await writeFile(join(root, 'v.txt'), 'tampered');
    const corrupt = await provider.get('v.txt', { verify: true });
    await provider.put('secret.txt', 'classified', { classification: 'confidential' });
    const wrongKey = await new LocalProvider({ root, encryptionKey: randomBytes(32) }).get('secret.txt');
    await provider.put('gone.txt', 'here');
    const gone = await provider.get('gone.txt');
    await rm(join(root, 'gone.txt'));
    await later(); // each failure above has happened by now, with nobody reading yet
    await expect(readAll(corrupt)).rejects.toBeInstanceOf(IntegrityError);
    await expect(readAll(wrongKey)).rejects.toBeInstanceOf(IntegrityError);
    await expect(readAll(gone)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never drops an option it cannot honour', async () => {
    await expect(provider.put('a', 'x', { storageClass: 'GLACIER' })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await expect(provider.put('a', 'x', { encryption: { type: 'sse-kms', keyId: 'k' } })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await expect(provider.signedUrl('a', { method: 'GET', expiresInSeconds: 60 })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    expect(await provider.exists('a')).toBe(false);
  });

  it('cannot escape its root through a symlinked folder', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'core-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'top secret');
      await mkdir(join(root, 'in'), { recursive: true });
      await symlink(outside, join(root, 'in', 'link'));
      await expect(provider.put('in/link/evil.txt', 'x')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(provider.get('in/link/secret')).rejects.toBeInstanceOf(Error);
      expect(await readdir(outside)).toEqual(['secret']);
      for (const prefix of ['', 'in/', 'in/link/', 'in/link/s']) expect((await provider.list({ prefix })).objects).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('an interrupted upload leaves no visible object and no temp file', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(provider.put('partial.bin', failing)).rejects.toThrow('connection reset');
    expect(await provider.exists('partial.bin')).toBe(false);
    expect((await provider.list()).objects).toEqual([]);
    expect(await readdir(join(root, '.core-tmp'))).toEqual([]);
  });

  it('frees replaced and deleted files in the background, and a reader of the old version keeps it whole', async () => {
    const before = randomBytes(3 * 1024 * 1024);
    await provider.put('big.bin', before);
    const reader = await open(join(root, 'big.bin'), 'r');
    try {
      await provider.put('big.bin', Buffer.from('after'));
      expect((await readAll(await provider.get('big.bin'))).toString()).toBe('after');
      expect((await reader.readFile()).equals(before)).toBe(true);
    } finally {
      await reader.close();
    }
    await provider.put('gone.bin', 'x');
    expect(await provider.delete('gone.bin')).toBe(1);
    expect(await provider.exists('gone.bin')).toBe(false);
    await provider.idle();
    expect(await readdir(join(root, '.core-tmp', 'trash'))).toEqual([]);
    expect((await provider.list()).objects.map((o) => o.key)).toEqual(['big.bin']);
  });

  it('lists nothing from its internal folders', async () => {
    await provider.put('docs/a.txt', 'a');
    await provider.put('docs/b.txt', 'b');
    await provider.delete('docs/b.txt');
    for (const prefix of ['.core-meta/', '.core-meta/docs/', '.core-tmp/', '.core-tmp/trash/']) expect(await provider.list({ prefix })).toMatchObject({ objects: [], prefixes: [] });
    expect((await provider.list({ prefix: 'docs/' })).objects.map((o) => o.key)).toEqual(['docs/a.txt']);
  });

  it('removes files an earlier process left in its trash', async () => {
    await mkdir(join(root, '.core-tmp', 'trash'), { recursive: true });
    await writeFile(join(root, '.core-tmp', 'trash', 'left-behind'), 'old');
    const next = new LocalProvider({ root });
    await next.put('a.txt', 'a');
    await next.idle();
    expect(await readdir(join(root, '.core-tmp', 'trash'))).toEqual([]);
  });
});
