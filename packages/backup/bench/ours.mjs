// One operation of @core/backup as its own process, from the built package (so its start-up and peak RSS
// are measured like restic's and borg's): ours.mjs init <repo> | backup <repo> <source> | restore <repo> <target>
import { LocalProvider } from '@core/cloud-storage/local';
import { backup, FolderSource, Repository, restore } from '../dist/index.js';

const [operation, repo, path] = process.argv.slice(2);
const passphrase = process.env.BENCH_PASSPHRASE;

async function main() {
  const provider = new LocalProvider({ root: repo });
  if (operation === 'init') {
    await Repository.init(provider, { passphrase, compression: { codec: 'zstd', level: 3 } });
    return;
  }
  const repository = await Repository.open(provider, { passphrase });
  if (operation === 'backup') await backup(repository, new FolderSource(path));
  else await restore(repository, 'latest', { target: path });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
