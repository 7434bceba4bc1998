import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, lstat, writeFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageProvider } from '@core/cloud-storage';
import { Repository } from '../src';
import type { InitOptions } from '../src';

/** Small chunks and packs, cheap keys: tests exercise many packs and blobs on little data. */
export const TEST_REPO: Omit<InitOptions, 'passphrase'> = {
  chunker: { min: 4 * 1024, avg: 16 * 1024, max: 64 * 1024 },
  packSize: 256 * 1024,
  scrypt: { N: 2 ** 10, r: 8, p: 1 },
};

/** The passphrase of test repositories. */
export const PASSPHRASE = 'correct horse battery staple';

/** A new encrypted test repository on `provider`. */
export function initTestRepo(provider: StorageProvider, extra: Partial<InitOptions> = {}): Promise<Repository> {
  return Repository.init(provider, { ...TEST_REPO, passphrase: PASSPHRASE, ...extra });
}

/** A fresh temp folder. */
export function tempDir(prefix = 'core-backup-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A tree with text, random (incompressible) and repeated data, an empty folder and a symlink. */
export async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'docs/deep/er'), { recursive: true });
  await mkdir(join(root, 'empty'), { recursive: true });
  await writeFile(join(root, 'docs/readme.txt'), 'hello backup\n'.repeat(5000));
  await writeFile(join(root, 'docs/deep/er/random.bin'), randomBytes(300_000));
  await writeFile(join(root, 'copy-a.bin'), Buffer.alloc(200_000, 7));
  await writeFile(join(root, 'copy-b.bin'), Buffer.alloc(200_000, 7));
  await writeFile(join(root, 'zero.txt'), '');
  await symlink('docs/readme.txt', join(root, 'link-to-readme'));
}

/** Every path under `root` with its type, mode, content hash or link target: two equal listings mean equal trees. */
export async function describeTree(root: string, relative = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, relative))).sort()) {
    const path = relative ? `${relative}/${name}` : name;
    const full = join(root, path);
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) out.push(`${path} -> ${await readlink(full)}`);
    else if (stats.isDirectory()) out.push(`${path}/ ${(stats.mode & 0o777).toString(8)}`, ...(await describeTree(root, path)));
    else out.push(`${path} ${(stats.mode & 0o777).toString(8)} ${Math.round(stats.mtimeMs)} ${createHash('sha256').update(await readFile(full)).digest('hex').slice(0, 16)}`);
  }
  return out;
}
