import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, FolderSource, forget, InvalidOptionsError, verify } from '../src';
import type { Repository } from '../src';
import { initTestRepo, tempDir } from './fixtures';

let root: string;
let source: string;
let repository: Repository;
beforeAll(async () => {
  root = await tempDir('core-backup-repo-');
  source = await tempDir();
  for (let i = 0; i < 12; i++) await writeFile(join(source, `f${i}.bin`), randomBytes(200_000));
  repository = await initTestRepo(new LocalProvider({ root }));
  await backup(repository, new FolderSource(source), { tags: ['nightly'] });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(source, { recursive: true, force: true });
});

describe('verify --read-data subsets and the ledger', () => {
  it('subsets 1/3, 2/3 and 3/3 read every pack exactly once between them', async () => {
    // Pack names are random, so how many fall in each third varies; what must hold is the partition.
    const ledger = async () => {
      const bytes = await repository.store.get('ledger'); // absent until a run has read a pack
      return bytes ? repository.files.decode<{ read: Record<string, string> }>('ledger', bytes).read : {};
    };
    const all = [...repository.index.packs.keys()];
    expect(all.length).toBeGreaterThan(6);
    const seen: string[] = [];
    let before: Record<string, string> = {};
    for (const n of [1, 2, 3]) {
      const report = await verify(repository, { readData: { subset: `${n}/3` } });
      const after = await ledger();
      const readNow = all.filter((id) => after[id] !== before[id]);
      expect(readNow).toHaveLength(report.packsRead);
      seen.push(...readNow);
      before = after;
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct ledger times per run
    }
    expect(seen.sort()).toEqual([...all].sort()); // each pack once: no repeats, none left out
  });

  it('percent checks read the packs read longest ago (or never) first: runs of 25 % read every pack before any pack twice', async () => {
    const ledger = async () => repository.files.decode<{ read: Record<string, string> }>('ledger', (await repository.store.get('ledger'))!).read;
    const all = [...repository.index.packs.keys()];
    const seen = new Set<string>();
    let before = await ledger();
    const perRun = Math.ceil(all.length / 4);
    const runs = Math.ceil(all.length / perRun);
    for (let run = 0; run < runs; run++) {
      expect((await verify(repository, { readData: { percent: 25 } })).ok).toBe(true);
      const after = await ledger();
      const readNow = all.filter((id) => after[id] !== before[id]);
      expect(readNow.length).toBe(perRun);
      // Never a pack an earlier run of this series already read, until every pack has been read once.
      const repeats = readNow.filter((id) => seen.has(id)).length;
      expect(repeats).toBe(Math.max(0, seen.size + perRun - all.length));
      for (const id of readNow) seen.add(id);
      before = after;
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct ledger times per run
    }
    expect(seen.size).toBe(all.length);
  });

  it('rejects malformed subsets with a typed error', async () => {
    await expect(verify(repository, { readData: { subset: '4/3' } })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(verify(repository, { readData: { percent: 0 } })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});

describe('forget refusals', () => {
  it('refuses an empty policy, and one that would remove every snapshot of a source unless allowed', async () => {
    await expect(forget(repository, {})).rejects.toMatchObject({ code: 'BACKUP_INVALID_OPTIONS' });
    await expect(forget(repository, { tags: [['no-such-tag']] })).rejects.toThrow(/every snapshot/);
    expect(await repository.snapshots()).toHaveLength(1);
    const dry = await forget(repository, { tags: [['no-such-tag']] }, { allowRemoveAll: true, dryRun: true });
    expect(dry[0]!.remove).toHaveLength(1);
    expect(await repository.snapshots()).toHaveLength(1);
  });
});
