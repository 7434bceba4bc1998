// A child process for crash.local.test.ts: backs up a changing folder, and forgets + prunes every third
// run, printing `begin <op> <n>` / `ack` around each; the test kills it with SIGKILL at random points.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, FolderSource, forget, prune, Repository } from '../src';
import { PASSPHRASE } from './fixtures';

const [repoRoot, sourceRoot, first] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<void> {
  const repository = await Repository.open(new LocalProvider({ root: repoRoot }), { passphrase: PASSPHRASE });
  await mkdir(sourceRoot, { recursive: true });
  console.log('ready');
  for (let n = Number(first); ; n++) {
    const files = (await readdir(sourceRoot)).sort();
    if (files.length > 4) await rm(join(sourceRoot, files[0]!));
    await writeFile(join(sourceRoot, `f${String(n).padStart(5, '0')}.bin`), randomBytes(40_000 + (n % 7) * 30_000));
    console.log(`begin backup ${n}`);
    await backup(repository, new FolderSource(sourceRoot));
    console.log('ack');
    if (n % 3 === 0) {
      console.log(`begin prune ${n}`);
      await forget(repository, { last: 2 });
      await prune(repository, { maxUnused: 0 });
      console.log('ack');
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
