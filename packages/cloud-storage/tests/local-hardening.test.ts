import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidKeyError, ObjectNotFoundError, readAll } from '../src';
import { LocalProvider } from '../src/local';

describe('LocalProvider under hostile input and leftovers', () => {
  let root: string;
  let outside: string;
  let provider: LocalProvider;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-storage-hard-'));
    outside = await mkdtemp(join(tmpdir(), 'core-storage-outside-'));
    provider = new LocalProvider({ root });
  });
  afterEach(async () => {
    await provider.idle();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('move(k, k) keeps the object', async () => {
    await provider.put('same.txt', 'keep me');
    await provider.move('same.txt', 'same.txt');
    expect((await readAll(await provider.get('same.txt'))).toString()).toBe('keep me');
    await expect(provider.move('absent.txt', 'absent.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('a key that names a folder of other keys is refused before anything is written', async () => {
    await provider.put('a/inner.txt', 'inner');
    const error = await provider.put('a', 'clash').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect(await provider.exists('a')).toBe(false);
    await provider.put('file', 'f');
    await expect(provider.put('file/below', 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    expect((await readAll(await provider.get('file'))).toString()).toBe('f');
  });

  it('a stray file in the root (.DS_Store) does not break list()', async () => {
    await provider.put('x/one.txt', '1');
    await writeFile(join(root, '.DS_Store'), 'finder junk');
    await writeFile(join(root, 'x', 'notes.txt'), 'dropped in by hand, no metadata');
    const page = await provider.list();
    expect(page.objects.map((o) => o.key)).toEqual(['x/one.txt']);
  });

  it('a symlinked folder pointing outside the root is refused before any folder is created there', async () => {
    await symlink(outside, join(root, 'escape'));
    const error = await provider.put('escape/deep/er/file.txt', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect(await readdir(outside)).toEqual([]); // not even an empty folder
  });

  it('a segment too long for the file system is an InvalidKeyError, not ENAMETOOLONG', async () => {
    const error = await provider.put(`dir/${'n'.repeat(252)}`, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect((error as InvalidKeyError).code).toBe('STORAGE_INVALID_KEY');
  });

  it('temp files left by a crashed put are swept when the next provider opens the root', async () => {
    await provider.put('warm.txt', 'w'); // creates the internal folders
    const stale = join(root, '.core-tmp', 'crashed-put');
    await writeFile(stale, 'half an upload');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, old, old);
    const fresh = join(root, '.core-tmp', 'in-flight');
    await writeFile(fresh, 'another process is writing this right now');
    const next = new LocalProvider({ root });
    await next.list();
    await next.idle();
    await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(fresh)).isFile()).toBe(true);
    await mkdir(join(root, 'keep'), { recursive: true });
  });
});
