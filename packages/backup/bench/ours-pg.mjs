// One PostgreSQL operation of @core/backup as its own process, from the built package (measured like
// pgBackRest's): init <repo> | push <repo> <wal path> [ahead] | base <repo> <url> | restore <repo> <data dir> <lsn>
// | fetch-wal <repo> <dir> <n> (the first n archived segments, for the push benchmark) | drill <repo>
import { LocalProvider } from '@core/cloud-storage/local';
import { Repository } from '../dist/index.js';
import { drillPostgres, fetchWal, listWal, pgBaseBackup, pgBaseSnapshots, pushedAhead, pushWal, recoverPostgres } from '../dist/postgres/index.js';

const [operation, repo, ...rest] = process.argv.slice(2);
const passphrase = process.env.BENCH_PASSPHRASE;

async function main() {
  const provider = new LocalProvider({ root: repo });
  if (operation === 'init') {
    await Repository.init(provider, { passphrase, compression: { codec: 'zstd', level: 3 } });
    return;
  }
  if (operation === 'push' && (await pushedAhead(rest[0], `${repo}-spool`))) return;
  const repository = await Repository.open(provider, { passphrase });
  if (operation === 'push') await pushWal(repository, rest[0], { ahead: Number(rest[1] ?? 0), spoolDir: `${repo}-spool` });
  else if (operation === 'fetch-wal') {
    const systemId = (await pgBaseSnapshots(repository))[0].postgres.systemId;
    const segments = (await listWal(repository, systemId)).filter((file) => file.kind === 'segment').slice(0, Number(rest[1]));
    for (const file of segments) await fetchWal(repository, file.name, `${rest[0]}/${file.name}`, { systemId });
    console.log(segments.map((file) => file.name).join('\n'));
  }
  else if (operation === 'base') await pgBaseBackup(repository, { url: rest[0] });
  else if (operation === 'restore') {
    const result = await recoverPostgres(repository, { dataDir: rest[0], target: { lsn: rest[1] }, keepRunning: false });
    console.log(JSON.stringify({ rtoMs: result.rtoMs, restoreMs: result.restoreMs, recoveryMs: result.recoveryMs, walServed: result.walServed, reached: result.reached.line }));
  } else if (operation === 'drill') {
    const record = await drillPostgres(repository, { checks: [{ name: 'accounts', sql: 'select count(*) from pgbench_accounts' }] });
    console.log(JSON.stringify(record));
  } else throw new Error(`unknown operation ${operation}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
