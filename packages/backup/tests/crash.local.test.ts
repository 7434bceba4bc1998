import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { killAtRandom, seededRandom } from '@core/testing';
import { backup, FolderSource, Repository, restore, verify } from '../src';
import { initTestRepo, PASSPHRASE, tempDir } from './fixtures';

// Crash safety as a property: a writer backing up and pruning is killed with SIGKILL at random points,
// again and again on one repository. After every kill the repository must verify with every byte read
// (unreferenced packs are allowed: they are what prune cleans), every snapshot must restore, and the next
// writer must carry on — including past the dead writer's lock.
const ITERATIONS = 12;

describe('backup and prune under SIGKILL at random points', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('core-backup-crash-');
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it(`leaves a repository that verifies after each of ${ITERATIONS} kills`, async () => {
    const repoRoot = join(work, 'repo');
    const sourceRoot = join(work, 'source');
    await initTestRepo(new LocalProvider({ root: repoRoot }));
    const random = seededRandom(20_261_201);
    let next = 1;
    let acked = 0;
    let killedInPrune = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const run = await killAtRandom(join(__dirname, 'crash-writer.ts'), [repoRoot, sourceRoot, String(next)], Math.floor(random() * 5), Math.floor(random() * 120));
      acked += run.acked.length;
      if (run.pending?.[0] === 'prune') killedInPrune++;
      next += run.acked.length + 2;
      const repository = await Repository.open(new LocalProvider({ root: repoRoot }), { passphrase: PASSPHRASE });
      const report = await verify(repository, { readData: true });
      expect(report.errors).toEqual([]);
      for (const snapshot of await repository.snapshots()) {
        const target = await tempDir();
        await restore(repository, snapshot.id, { target });
        await rm(target, { recursive: true, force: true });
      }
    }
    const repository = await Repository.open(new LocalProvider({ root: repoRoot }), { passphrase: PASSPHRASE });
    const after = await backup(repository, new FolderSource(sourceRoot));
    expect(after.snapshot.totals.files).toBeGreaterThan(0);
    expect(acked).toBeGreaterThan(ITERATIONS);
    console.log(`crash property: ${ITERATIONS} kills, ${acked} acknowledged operations, ${killedInPrune} kills during forget/prune`);
  }, 240_000);
});
