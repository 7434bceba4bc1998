import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, FolderSource, IntegrityError, Repository, restore, RestoreWriteError, SourceError, TargetNotEmptyError, UnsafePathError, UnsupportedVersionError, verify } from '../src';
import type { BackupSource, Snapshot } from '../src';
import { encodeTree } from '../src/archiver/tree';
import type { TreeNode } from '../src/archiver/tree';
import { describeTree, initTestRepo, makeTree, PASSPHRASE, tempDir } from './fixtures';

let root: string;
let source: string;
let provider: LocalProvider;
let repository: Repository;
let snapshotId: string;

/** Files of a kind in the local repository, as paths on disk. */
async function filesOf(kind: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (!entry.name.startsWith('.') && !entry.name.endsWith('.meta.json')) out.push(join(dir, entry.name));
    }
  };
  await walk(join(root, kind));
  return out;
}

beforeEach(async () => {
  root = await tempDir('core-backup-repo-');
  source = await tempDir();
  await makeTree(source);
  provider = new LocalProvider({ root });
  repository = await initTestRepo(provider);
  snapshotId = (await backup(repository, new FolderSource(source))).snapshot.id;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(source, { recursive: true, force: true });
});

describe('damaged repositories', () => {
  it('a flipped bit in a pack: verify --read-data names the pack, the blob and the file; restore fails naming the file and leaves no partial file', async () => {
    const blob = [...repository.index.blobs.values()].find((b) => b.type === 'data')!;
    const packPath = (await filesOf('data')).find((p) => p.endsWith(blob.pack))!;
    const bytes = await readFile(packPath);
    bytes[blob.offset + 40]! ^= 0x01;
    await writeFile(packPath, bytes);

    const structural = await verify(repository);
    expect(structural.ok).toBe(true); // structure and references are intact: only reading the data finds it
    const report = await verify(repository, { readData: true });
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.kind)).toEqual(['blob-damaged']);
    const damaged = report.errors.find((e) => e.kind === 'blob-damaged')!;
    expect(damaged).toMatchObject({ pack: blob.pack, blob: blob.id });
    expect(damaged.path).toMatch(/^\//);

    const target = await tempDir();
    const error = await restore(repository, snapshotId, { target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).where).toMatchObject({ pack: blob.pack, blob: blob.id });
    expect((error as IntegrityError).where.path).toBe(damaged.path!.slice(1));
    const leftovers = execFileSync('find', [target, '-name', '*.core-restore-*']).toString();
    expect(leftovers).toBe('');
    await rm(target, { recursive: true, force: true });
  });

  it('a flipped bit in a pack header is reported as a damaged pack', async () => {
    const packId = [...repository.index.packs.keys()][0]!;
    const packPath = (await filesOf('data')).find((p) => p.endsWith(packId))!;
    const bytes = await readFile(packPath);
    const headerStart = bytes.length - 4 - bytes.readUInt32LE(bytes.length - 4);
    bytes[headerStart + 20]! ^= 0x80;
    await writeFile(packPath, bytes);
    const report = await verify(repository, { readData: true });
    expect(report.errors).toEqual([expect.objectContaining({ kind: 'pack-damaged', pack: packId })]);
  });

  it('a missing pack is reported by verify and makes restore fail with the pack named', async () => {
    const pack = [...repository.index.packs.keys()][0]!;
    await provider.delete(`data/${pack.slice(0, 2)}/${pack}`);
    const report = await verify(repository);
    expect(report.errors.some((e) => e.kind === 'pack-missing' && e.pack === pack)).toBe(true);
    const target = await tempDir();
    await expect(restore(await Repository.open(provider, { passphrase: PASSPHRASE }), snapshotId, { target })).rejects.toMatchObject({ code: 'BACKUP_INTEGRITY' });
    await rm(target, { recursive: true, force: true });
  });

  it('a truncated index file: open fails naming it; verify reports it', async () => {
    const [indexPath] = await filesOf('index');
    const bytes = await readFile(indexPath!);
    await provider.put(`index/${indexPath!.split('/').pop()}`, bytes.subarray(0, bytes.length >> 1));
    const error = await Repository.open(provider, { passphrase: PASSPHRASE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).where.object).toMatch(/^index\//);
    const report = await verify(repository);
    expect(report.errors[0]).toMatchObject({ kind: 'index' });
  });

  it('a repository of a newer format version is refused before anything is read or written', async () => {
    const config = JSON.parse((await readFile(join(root, 'config'))).toString());
    await provider.put('config', JSON.stringify({ ...config, version: 2 }));
    await expect(Repository.open(provider, { passphrase: PASSPHRASE })).rejects.toBeInstanceOf(UnsupportedVersionError);
  });

  it('a config changed outside the package fails its MAC', async () => {
    const config = JSON.parse((await readFile(join(root, 'config'))).toString());
    await provider.put('config', JSON.stringify({ ...config, packSize: 1024 }));
    await expect(Repository.open(provider, { passphrase: PASSPHRASE })).rejects.toMatchObject({ code: 'BACKUP_INTEGRITY' });
  });
});

describe('bad input to backup and restore', () => {
  it('a source that disappears mid-backup is a SourceError; no snapshot is written and the repository verifies', async () => {
    const folder = new FolderSource(source);
    const vanishing: BackupSource = {
      kind: 'folder',
      identity: folder.identity,
      open: async () => {
        const opened = await folder.open();
        await rm(source, { recursive: true, force: true });
        return opened;
      },
    };
    await expect(backup(repository, vanishing)).rejects.toBeInstanceOf(SourceError);
    expect(await repository.snapshots()).toHaveLength(1);
    expect((await verify(repository, { readData: true })).ok).toBe(true);
  });

  it('refuses a restore target that is not empty unless told, then overwrites', async () => {
    const target = await tempDir();
    await writeFile(join(target, 'keep-me.txt'), 'x');
    await expect(restore(repository, snapshotId, { target })).rejects.toBeInstanceOf(TargetNotEmptyError);
    expect(await readdir(target)).toEqual(['keep-me.txt']);
    await restore(repository, snapshotId, { target, overwrite: true });
    expect((await describeTree(target)).filter((l) => !l.startsWith('keep-me'))).toEqual(await describeTree(source));
    await rm(target, { recursive: true, force: true });
  });

  it('restores one sub-path only', async () => {
    const target = await tempDir();
    const result = await restore(repository, snapshotId, { target, path: 'docs/deep' });
    expect(result.files).toBe(1);
    expect(await describeTree(target)).toEqual(['docs/ 755', 'docs/deep/ 755', 'docs/deep/er/ 755', expect.stringMatching(/^docs\/deep\/er\/random\.bin /)]);
    await expect(restore(repository, snapshotId, { target: await tempDir(), path: 'nope' })).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    await rm(target, { recursive: true, force: true });
  });

  async function craftedSnapshot(nodes: TreeNode[]): Promise<string> {
    const content = (await repository.saveBlob('data', Buffer.from('owned'))).id;
    const withContent = nodes.map((n) => (n.type === 'file' ? { ...n, content: [content] } : n));
    const tree = (await repository.saveBlob('tree', encodeTree({ nodes: withContent }))).id;
    await repository.flush();
    const snapshot: Snapshot = { time: new Date().toISOString(), host: 'evil', source: { kind: 'folder', identity: '/evil' }, tags: [], type: 'full', parent: undefined, tree, totals: { files: 1, dirs: 0, bytesTotal: 5, bytesRead: 5, newBlobs: 0, newBytes: 0, newBytesStored: 0, dedupRatio: 1, compressionRatio: 1, durationMs: 0 }, versions: {} };
    return repository.saveSnapshot(snapshot);
  }

  it.each([
    ['..', '../escaped.txt'],
    ['an absolute name', '/tmp/escaped.txt'],
    ['a slash inside a name', 'a/../../escaped.txt'],
  ])('never writes outside the target when a tree names %s', async (_label, name) => {
    const outside = await tempDir();
    const target = join(outside, 'target');
    const id = await craftedSnapshot([{ name, type: 'file', mode: 0o644, mtimeMs: Date.now(), size: 5 }]);
    await expect(restore(repository, id, { target })).rejects.toBeInstanceOf(UnsafePathError);
    expect(await readdir(outside).catch(() => [])).toEqual(expect.not.arrayContaining(['escaped.txt']));
    expect(await lstat('/tmp/escaped.txt').catch(() => undefined)).toBeUndefined();
    await rm(outside, { recursive: true, force: true });
  });

  it('a symlink in the snapshot (or in the target) is never written through', async () => {
    const outside = await tempDir();
    const target = join(outside, 'target');
    await mkdir(target);
    await mkdir(join(outside, 'victim'));
    // In the target already: a link named like a folder of the snapshot, pointing outside.
    await symlink(join(outside, 'victim'), join(target, 'docs'));
    await restore(repository, snapshotId, { target, overwrite: true });
    expect(await readdir(join(outside, 'victim'))).toEqual([]);
    expect((await lstat(join(target, 'docs'))).isDirectory()).toBe(true);
    // In the snapshot: a link and a file of the same name (a classic tar trick) is refused.
    const id = await craftedSnapshot([
      { name: 'x', type: 'symlink', mode: 0o777, mtimeMs: Date.now(), size: 0, target: join(outside, 'victim') },
      { name: 'x', type: 'file', mode: 0o644, mtimeMs: Date.now(), size: 5 },
    ]);
    await expect(restore(repository, id, { target: join(outside, 'second') })).rejects.toMatchObject({ code: 'BACKUP_INTEGRITY' });
    expect(await readdir(join(outside, 'victim'))).toEqual([]);
    await rm(outside, { recursive: true, force: true });
  });
});

// A full disk needs a small filesystem: a 2 MiB tmpfs, which needs root (this machine's CI runs as root).
const canMount = (() => {
  try {
    return process.getuid?.() === 0 && execFileSync('sh', ['-c', 'command -v mount']).length > 0;
  } catch {
    return false;
  }
})();
(canMount ? describe : describe.skip)('disk full during restore (2 MiB tmpfs; skipped when not root)', () => {
  it('fails with RestoreWriteError naming the file, and removes the partial file', async () => {
    await writeFile(join(source, 'big.bin'), randomBytes(3 * 1024 * 1024));
    const id = (await backup(repository, new FolderSource(source))).snapshot.id;
    const mountPoint = await tempDir('core-backup-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    try {
      const error = await restore(repository, id, { target: join(mountPoint, 'r') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RestoreWriteError);
      expect((error as Error).message).toMatch(/big\.bin: .*ENOSPC|big\.bin.*no space/i);
      expect(execFileSync('find', [mountPoint, '-name', '*.core-restore-*']).toString()).toBe('');
    } finally {
      execFileSync('umount', [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    }
  });
});
