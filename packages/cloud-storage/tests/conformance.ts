import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IntegrityError, InvalidKeyError, InvalidOptionsError, ObjectNotFoundError, listAll, readAll, type StorageProvider } from '../src';

/** Keys every provider must refuse. */
export const HOSTILE_KEYS = [
  '', '../etc/passwd', 'a/../../b', './a', 'a/./b', '/abs', 'a\\b', 'nul\u0000byte', 'bell\u0007', 'tab\tkey', 'a//b', 'dir/',
  'k'.repeat(1025), 'é'.repeat(513),
];

/**
 * The behaviour every provider shares, run against each one (local disk, s3rver, ...). `make`
 * returns a provider on an empty store and a cleanup.
 */
export function conformance(name: string, make: () => Promise<{ provider: StorageProvider; cleanup(): Promise<void> }>): void {
  describe(`${name}: StorageProvider conformance`, () => {
    let provider: StorageProvider;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ provider, cleanup } = await make()));
    afterEach(() => cleanup());

    it('puts a buffer, string and stream and reads them back with metadata and checksum', async () => {
      const info = await provider.put('docs/a.txt', 'hello', { contentType: 'text/plain', metadata: { owner: 'ada' }, classification: 'internal' });
      expect(info).toMatchObject({ key: 'docs/a.txt', size: 5 });
      await provider.put('docs/b.bin', Buffer.from([1, 2, 3]));
      await provider.put('docs/c.txt', Readable.from([Buffer.from('str'), Buffer.from('eam')]));
      expect((await readAll(await provider.get('docs/a.txt'))).toString()).toBe('hello');
      expect([...(await readAll(await provider.get('docs/b.bin')))]).toEqual([1, 2, 3]);
      expect((await readAll(await provider.get('docs/c.txt'))).toString()).toBe('stream');
      const stat = await provider.stat('docs/a.txt');
      expect(stat).toMatchObject({ size: 5, contentType: 'text/plain', metadata: { owner: 'ada' }, classification: 'internal' });
      expect(stat.checksum?.value).toBe(createHash(stat.checksum!.algorithm).update('hello').digest('hex'));
    });

    it('puts a file from its path with its checksum and progress', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'core-put-file-'));
      try {
        const data = randomBytes(300 * 1024);
        await writeFile(join(dir, 'f.bin'), data);
        let last = 0;
        const info = await provider.put('files/f.bin', { path: join(dir, 'f.bin') }, { onProgress: (p) => (last = p.bytes) });
        expect(info.size).toBe(data.length);
        expect(info.checksum?.value).toBe(createHash('sha256').update(data).digest('hex'));
        expect(last).toBe(data.length);
        expect((await readAll(await provider.get('files/f.bin', { verify: true }))).equals(data)).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('never stores a file that changed during its put under a checksum its bytes do not have', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'core-put-changing-'));
      try {
        const path = join(dir, 'f.bin');
        await writeFile(path, randomBytes(12 * 1024 * 1024));
        let appended: Promise<void> | undefined;
        const outcome = await provider
          .put('files/changing.bin', { path }, { onProgress: () => void (appended ??= appendFile(path, 'written meanwhile')) })
          .then(() => 'stored' as const, (error: unknown) => error);
        await appended;
        expect(appended).toBeDefined();
        if (outcome === 'stored') {
          // A provider that hashes what it writes in the same pass (local disk) may store either version, whole.
          const stored = await readAll(await provider.get('files/changing.bin', { verify: true }));
          expect([12 * 1024 * 1024, (await readFile(path)).length]).toContain(stored.length);
        } else {
          expect(outcome).toBeInstanceOf(IntegrityError);
          expect(await provider.exists('files/changing.bin')).toBe(false);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('reads byte ranges', async () => {
      await provider.put('r.bin', Buffer.from('0123456789'));
      expect((await readAll(await provider.get('r.bin', { range: { start: 2, end: 5 } }))).toString()).toBe('2345');
      expect((await readAll(await provider.get('r.bin', { range: { start: 7 } }))).toString()).toBe('789');
      await expect(provider.get('r.bin', { range: { start: 5, end: 2 } })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(provider.get('r.bin', { range: { start: -1 } })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(provider.get('r.bin', { range: { start: 0 }, verify: true })).rejects.toBeInstanceOf(InvalidOptionsError);
    });

    it('exists, delete one and many, and not-found errors', async () => {
      await provider.put('x/1', 'a');
      await provider.put('x/2', 'b');
      await provider.put('x/3', 'c');
      expect(await provider.exists('x/1')).toBe(true);
      expect(await provider.delete('x/1')).toBe(1);
      expect(await provider.exists('x/1')).toBe(false);
      expect(await provider.delete(['x/2', 'x/3', 'x/none'])).toBe(2);
      await expect(provider.stat('x/2')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(provider.get('x/2')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('lists with prefix, delimiter and pagination, completely', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `list/${String(i).padStart(2, '0')}`);
      for (const key of keys) await provider.put(key, key);
      await provider.put('list/sub/a', 'a');
      await provider.put('other/z', 'z');
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await provider.list({ prefix: 'list/', pageSize: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.objects.map((o) => o.key));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual([...keys, 'list/sub/a']);
      expect(pages).toBe(3);
      const grouped = await provider.list({ prefix: 'list/', delimiter: '/' });
      expect(grouped.prefixes).toEqual(['list/sub/']);
      expect(grouped.objects).toHaveLength(25);
      const all: string[] = [];
      for await (const o of listAll(provider, { pageSize: 7 })) all.push(o.key);
      expect(all).toHaveLength(27);
    });

    it('lists more than 1,000 keys completely with the default page size', async () => {
      const keys = Array.from({ length: 1_030 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => provider.put(k, 'x')));
      const first = await provider.list({ prefix: 'many/' });
      expect(first.objects).toHaveLength(1_000);
      expect(first.cursor).toBeDefined();
      const seen: string[] = [];
      for await (const o of listAll(provider, { prefix: 'many/' })) seen.push(o.key);
      expect(seen).toEqual(keys);
    }, 120_000);

    it('copies and moves', async () => {
      await provider.put('src.txt', 'payload', { metadata: { tag: 'v1' } });
      await provider.copy('src.txt', 'copy.txt');
      expect((await readAll(await provider.get('copy.txt'))).toString()).toBe('payload');
      await provider.move('copy.txt', 'moved/dst.txt');
      expect(await provider.exists('copy.txt')).toBe(false);
      expect((await readAll(await provider.get('moved/dst.txt'))).toString()).toBe('payload');
      expect((await provider.stat('moved/dst.txt')).metadata).toEqual({ tag: 'v1' });
    });

    it('verifies checksums on download when asked', async () => {
      const data = randomBytes(64 * 1024);
      await provider.put('v.bin', data);
      expect((await readAll(await provider.get('v.bin', { verify: true }))).equals(data)).toBe(true);
    });

    it('reports progress on put and get', async () => {
      const data = randomBytes(200 * 1024);
      const up: number[] = [];
      const down: number[] = [];
      await provider.put('p.bin', data, { onProgress: (p) => up.push(p.bytes) });
      await readAll(await provider.get('p.bin', { onProgress: (p) => down.push(p.bytes) }));
      expect(up.at(-1)).toBe(data.length);
      expect(down.at(-1)).toBe(data.length);
    });

    it.each(HOSTILE_KEYS.map((k) => [JSON.stringify(k).slice(0, 40), k]))('refuses the hostile key %s on every operation', async (_label, key) => {
      await expect(provider.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(provider.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(provider.delete(key)).rejects.toBeInstanceOf(InvalidKeyError);
    });
  });
}
