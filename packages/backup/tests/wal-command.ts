// archive_command of the PITR tests' clusters (run by the server, as its OS user): `push <repo root> %p`.
// With WAL_AHEAD=n it archives up to n other ready segments too and notes them in WAL_SPOOL; each call
// appends what it did to WAL_LOG when set. Any failure exits 1 with the message, so PostgreSQL retries.
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { Repository } from '../src';
import { pushedAhead, pushWal } from '../src/sources/postgres';
import { PASSPHRASE } from './fixtures';

const [op, root, path] = process.argv.slice(2) as [string, string, string];
const spoolDir = process.env.WAL_SPOOL;
const log = (line: string): void => {
  if (process.env.WAL_LOG) appendFileSync(process.env.WAL_LOG, `${line}\n`);
};

async function main(): Promise<void> {
  if (op !== 'push') throw new Error(`unknown operation ${op}`);
  if (spoolDir && (await pushedAhead(path, spoolDir))) return log(`${basename(path)} noted`);
  const repository = await Repository.open(new LocalProvider({ root }), { passphrase: PASSPHRASE });
  const result = await pushWal(repository, path, { ahead: Number(process.env.WAL_AHEAD ?? 0), ...(spoolDir ? { spoolDir } : {}) });
  log(`${result.name} ${result.status} ahead=${result.aheadArchived.join(',')}`);
}

main().catch((error: Error) => {
  process.stderr.write(`wal-command: ${error.message}\n`);
  process.exit(1);
});
