// archive_command of the PITR tests' clusters (run by the server, as its OS user): `push <repo root> %p`.
// It prints nothing on success; any failure exits 1 with the message, so PostgreSQL keeps the file and retries.
import { LocalProvider } from '@core/cloud-storage/local';
import { Repository } from '../src';
import { pushWal } from '../src/sources/postgres';
import { PASSPHRASE } from './fixtures';

const [op, root, path] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<void> {
  if (op !== 'push') throw new Error(`unknown operation ${op}`);
  const repository = await Repository.open(new LocalProvider({ root }), { passphrase: PASSPHRASE });
  await pushWal(repository, path);
}

main().catch((error: Error) => {
  process.stderr.write(`wal-command: ${error.message}\n`);
  process.exit(1);
});
