import { randomBytes } from 'node:crypto';
import { appendFile, chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageProvider } from '@core/cloud-storage';
import { backup, diff, FolderSource, forget, prune, Repository, restore, stats, verify, WrongPassphraseError } from '../src';
import { describeTree, initTestRepo, makeTree, PASSPHRASE, tempDir } from './fixtures';

/** Every repository operation against one kind of storage; `fresh` gives an empty provider per test. */
export function repositorySuite(name: string, fresh: () => Promise<StorageProvider>): void {
  describe(`repository operations on ${name}`, () => {
    let source: string;
    beforeEach(async () => {
      source = await tempDir();
      await makeTree(source);
    });
    afterEach(() => rm(source, { recursive: true, force: true }));

    it('backs up a folder and restores it identically (files, modes, mtimes, empty folders, symlinks)', async () => {
      const provider = await fresh();
      const repository = await initTestRepo(provider);
      await chmod(join(source, 'docs/readme.txt'), 0o640);
      const { snapshot } = await backup(repository, new FolderSource(source), { tags: ['nightly'] });
      expect(snapshot.type).toBe('full'); // no parent yet: an incremental run reads everything
      expect(snapshot.totals.files).toBe(5);
      expect(snapshot.time).toMatch(/[+-]\d{2}:\d{2}$/);

      const reopened = await Repository.open(provider, { passphrase: PASSPHRASE });
      const target = await tempDir();
      const result = await restore(reopened, snapshot.id, { target });
      expect(result.files).toBe(5);
      expect(await describeTree(target)).toEqual(await describeTree(source));
      expect((await verify(reopened, { readData: true })).errors).toEqual([]);
      await rm(target, { recursive: true, force: true });
    });

    it('stores identical data once, and an unchanged file is not read again by the next backup', async () => {
      const repository = await initTestRepo(await fresh());
      const first = (await backup(repository, new FolderSource(source))).snapshot;
      // copy-a.bin and copy-b.bin are identical: their chunks are stored once.
      expect(first.totals.newBytes).toBeLessThan(first.totals.bytesRead - 150_000);
      await appendFile(join(source, 'docs/readme.txt'), 'one more line\n');
      const second = (await backup(repository, new FolderSource(source))).snapshot;
      expect(second.type).toBe('incremental');
      expect(second.parent).toBe(first.id);
      expect(second.totals.bytesRead).toBe(65_014); // only the changed file was read
      expect(second.totals.newBytes).toBeLessThan(70_000);
      const forced = (await backup(repository, new FolderSource(source), { force: true })).snapshot;
      expect(forced.totals.bytesRead).toBe(first.totals.bytesRead + 14);
      expect(forced.totals.newBlobs).toBe(0); // everything re-read, nothing new to store
      const changes = await diff(repository, first.id, second.id);
      expect(changes).toEqual([{ change: 'M', path: '/docs/readme.txt' }]);
    });

    it('keeps full, incremental and differential parents apart', async () => {
      const repository = await initTestRepo(await fresh());
      const full = (await backup(repository, new FolderSource(source), { type: 'full' })).snapshot;
      await writeFile(join(source, 'new-1.txt'), 'a');
      const inc = (await backup(repository, new FolderSource(source), { type: 'incremental' })).snapshot;
      await writeFile(join(source, 'new-2.txt'), 'b');
      const diffSnap = (await backup(repository, new FolderSource(source), { type: 'differential' })).snapshot;
      expect([full.type, inc.type, diffSnap.type]).toEqual(['full', 'incremental', 'differential']);
      expect(full.parent).toBeUndefined();
      expect(inc.parent).toBe(full.id);
      expect(diffSnap.parent).toBe(full.id);
      const target = await tempDir();
      await restore(repository, diffSnap.id, { target });
      expect(await describeTree(target)).toEqual(await describeTree(source));
      await rm(target, { recursive: true, force: true });
    });

    it('refuses a wrong passphrase with a typed error that names no secret', async () => {
      const provider = await fresh();
      await initTestRepo(provider);
      const error = await Repository.open(provider, { passphrase: 'not it' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongPassphraseError);
      expect((error as WrongPassphraseError).code).toBe('BACKUP_WRONG_PASSPHRASE');
      expect((error as Error).message).not.toContain('not it');
      expect((error as Error).message).not.toContain(PASSPHRASE);
    });

    it('forgets by policy and prune frees the data, leaving a repository that verifies and restores', async () => {
      const repository = await initTestRepo(await fresh());
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        await rm(join(source, `version-${i - 1}.bin`), { force: true });
        await writeFile(join(source, `version-${i}.bin`), randomBytes(100_000));
        ids.push((await backup(repository, new FolderSource(source))).snapshot.id);
      }
      const before = await stats(repository);
      const groups = await forget(repository, { last: 1 });
      expect(groups).toHaveLength(1);
      expect(groups[0]!.keep.map((k) => [k.snapshot.id, k.reasons])).toEqual([[ids[3], ['last snapshot']]]);
      expect(groups[0]!.remove).toHaveLength(3);
      const report = await prune(repository, { maxUnused: 0 });
      expect(report.packsDeleted + report.packsRepacked).toBeGreaterThan(0);
      const after = await stats(repository);
      expect(after.storedBytes).toBeLessThan(before.storedBytes - 250_000);
      expect(after.snapshots).toBe(1);
      const check = await verify(repository, { readData: true });
      expect(check.errors).toEqual([]);
      expect(check.warnings).toEqual([]);
      const target = await tempDir();
      await restore(repository, ids[3]!, { target });
      expect(await describeTree(target)).toEqual(await describeTree(source));
      await rm(target, { recursive: true, force: true });
    });

    it('manages keys: add, list, open with either, change a passphrase, never remove the current key', async () => {
      const provider = await fresh();
      const repository = await initTestRepo(provider);
      await repository.addKey('second passphrase', { N: 2 ** 10, r: 8, p: 1 });
      expect(await repository.listKeys()).toHaveLength(2);
      const viaSecond = await Repository.open(provider, { passphrase: 'second passphrase' });
      const current = (await viaSecond.listKeys()).find((k) => k.current)!;
      await expect(viaSecond.removeKey(current.id)).rejects.toMatchObject({ code: 'BACKUP_INVALID_OPTIONS' });
      const first = (await viaSecond.listKeys()).find((k) => !k.current)!;
      await viaSecond.removeKey(first.id.slice(0, 10));
      await expect(Repository.open(provider, { passphrase: PASSPHRASE })).rejects.toBeInstanceOf(WrongPassphraseError);
      await viaSecond.changePassphrase('third', { N: 2 ** 10, r: 8, p: 1 });
      await expect(Repository.open(provider, { passphrase: 'second passphrase' })).rejects.toBeInstanceOf(WrongPassphraseError);
      expect((await Repository.open(provider, { passphrase: 'third' })).config.id).toBe(repository.config.id);
    });
  });
}
