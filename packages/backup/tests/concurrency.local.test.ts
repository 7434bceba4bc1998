import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, rm, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, folderOf, FolderSource, forget, generatedFile, prune, Repository, RepositoryLockedError, restore, verify } from '../src';
import type { BackupSource } from '../src';
import { toEntry } from '../src/repository/blob';
import { describeTree, initTestRepo, makeTree, PASSPHRASE, tempDir } from './fixtures';

let root: string;
let provider: LocalProvider;
beforeEach(async () => {
  root = await tempDir('core-backup-repo-');
  provider = new LocalProvider({ root });
  await initTestRepo(provider);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A source whose one file does not finish until `release()` is called: a backup caught mid-run. */
function heldSource(): { source: BackupSource; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let markStarted!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const source: BackupSource = {
    kind: 'test',
    identity: 'held',
    open: () =>
      Promise.resolve({
        root: folderOf('', [
          generatedFile('slow.bin', async function* () {
            yield randomBytes(100_000); // more than the test chunker's max: chunks are stored before the pause
            markStarted();
            await gate;
            yield Buffer.alloc(10_000, 2);
          }),
        ]),
        close: () => Promise.resolve(),
      }),
  };
  return { source, release, started };
}

describe('two writers and prune on one repository', () => {
  it('two backups at the same time both succeed and both restore', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    await makeTree(a);
    await makeTree(b);
    await writeFile(join(b, 'only-in-b.txt'), 'b');
    const [ra, rb] = [await Repository.open(provider, { passphrase: PASSPHRASE }), await Repository.open(provider, { passphrase: PASSPHRASE })];
    const [sa, sb] = await Promise.all([backup(ra, new FolderSource(a)), backup(rb, new FolderSource(b))]);
    const fresh = await Repository.open(provider, { passphrase: PASSPHRASE });
    expect((await verify(fresh, { readData: true })).errors).toEqual([]);
    for (const [snapshot, folder] of [[sa.snapshot, a], [sb.snapshot, b]] as const) {
      const target = await tempDir();
      await restore(fresh, snapshot.id, { target });
      expect(await describeTree(target)).toEqual(await describeTree(folder));
      await rm(target, { recursive: true, force: true });
    }
  });

  it('two backups through one Repository object take turns instead of mixing their pending packs', async () => {
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    const held = heldSource();
    // Fails mid-read, after storing a chunk: its cleanup drops the pending packs of the run it belongs to.
    const failing: BackupSource = {
      kind: 'test',
      identity: 'fails',
      open: () =>
        Promise.resolve({
          root: folderOf('', [
            generatedFile('broken.bin', async function* () {
              yield Buffer.alloc(20_000, 9);
              throw new Error('source down');
            }),
          ]),
          close: () => Promise.resolve(),
        }),
    };
    const first = backup(repository, held.source);
    const second = backup(repository, failing);
    await held.started;
    // Let the failing run fail (if it runs now) before the first one goes on.
    await Promise.race([second.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))]);
    held.release();
    await expect(second).rejects.toThrow('source down');
    const { snapshot } = await first;
    expect((await verify(await Repository.open(provider, { passphrase: PASSPHRASE }), { readData: true })).errors).toEqual([]);
    expect(snapshot.totals.bytesRead).toBe(110_000);
  });

  it('prune refuses to run while a backup holds its lock, naming the holder; afterwards it runs', async () => {
    const writer = await Repository.open(provider, { passphrase: PASSPHRASE });
    const held = heldSource();
    const running = backup(writer, held.source);
    await held.started;
    const pruner = await Repository.open(provider, { passphrase: PASSPHRASE });
    const error = await prune(pruner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryLockedError);
    expect((error as RepositoryLockedError).holder).toMatchObject({ pid: process.pid, host: hostname(), exclusive: false });
    held.release();
    await running;
    await expect(prune(pruner)).resolves.toMatchObject({ packsDeleted: 0 });
    expect((await verify(pruner, { readData: true })).errors).toEqual([]);
  });

  it('a lock left by a dead process on this host is stale: prune proceeds, unlock removes it', async () => {
    const dead = spawnSync('true').pid!; // a pid that has exited
    await mkdir(join(root, 'locks'), { recursive: true });
    const now = new Date().toISOString();
    await provider.put('locks/dead', JSON.stringify({ time: now, refreshed: now, exclusive: true, host: hostname(), pid: dead }));
    await provider.put('locks/elsewhere', JSON.stringify({ time: now, refreshed: new Date(Date.now() - 31 * 60_000).toISOString(), exclusive: true, host: 'other-host', pid: 1 }));
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    await expect(prune(repository)).resolves.toBeDefined();
    expect(await repository.unlock()).toBe(2);
  });

  it('a fresh lock of another host blocks prune until unlock --remove-all', async () => {
    const now = new Date().toISOString();
    await provider.put('locks/live', JSON.stringify({ time: now, refreshed: now, exclusive: false, host: 'other-host', pid: 4242 }));
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    await expect(prune(repository)).rejects.toMatchObject({ code: 'BACKUP_LOCKED', holder: { host: 'other-host' } });
    expect(await repository.unlock()).toBe(0); // not stale: left alone
    expect(await repository.unlock(true)).toBe(1);
    await expect(prune(repository)).resolves.toBeDefined();
  });

  it('a prune interrupted after writing its index leaves files it superseded; the next prune supersedes and deletes them too', async () => {
    const folder = await tempDir();
    await makeTree(folder);
    const repository = await Repository.open(provider, { passphrase: PASSPHRASE });
    await backup(repository, new FolderSource(folder));
    await writeFile(join(folder, 'second.bin'), Buffer.alloc(300_000, 3));
    await backup(repository, new FolderSource(folder));
    // What a prune killed between its steps 2 and 3 leaves: a superseding index, the old ones still there.
    const old = [...repository.index.files];
    expect(old.length).toBeGreaterThanOrEqual(2);
    const packs = [...repository.index.packs].map(([id, pack]) => ({ id, size: pack.size, blobs: pack.blobs.map((blob) => toEntry(repository.index.lookup(blob)!)) }));
    await repository.writeIndexFile({ packs, supersedes: old });
    await rm(join(folder, 'second.bin'));
    await forget(repository, { last: 1 });
    await backup(repository, new FolderSource(folder), { force: true });
    await forget(repository, { last: 1 });
    await prune(repository, { maxUnused: 0 });
    const reopened = await Repository.open(provider, { passphrase: PASSPHRASE });
    expect((await verify(reopened, { readData: true })).errors).toEqual([]);
    expect(reopened.index.allFiles.size).toBe(reopened.index.files.size); // nothing superseded is left behind
    await rm(folder, { recursive: true, force: true });
  });
});
