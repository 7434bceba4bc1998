// A child process for base-backup.pg.test.ts: takes one base backup, printing `progress` as bytes are
// stored; the test kills it with SIGKILL in the middle.
import { LocalProvider } from '@core/cloud-storage/local';
import { Repository } from '../src';
import { pgBaseBackup } from '../src/sources/postgres';
import { PASSPHRASE } from './fixtures';

const [root, url] = process.argv.slice(2) as [string, string];

async function main(): Promise<void> {
  const repository = await Repository.open(new LocalProvider({ root }), { passphrase: PASSPHRASE });
  let reported = 0;
  await pgBaseBackup(repository, {
    url,
    onProgress: (event) => {
      if (event.bytes - reported < 4 * 1024 * 1024) return;
      reported = event.bytes;
      console.log(`progress ${event.bytes}`);
    },
  });
  console.log('done');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
