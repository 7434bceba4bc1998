// Child process for the local-disk crash property test: random puts, moves and deletes on a few keys,
// printing "begin" before and "ack" after each one, until it is killed.
import { seededRandom } from '@core/testing';
import { LocalProvider } from '../src/local';

const [root, seedText, firstVersion] = process.argv.slice(2);
const random = seededRandom(Number(seedText));
const disk = new LocalProvider({ root: root! });
const key = () => `k${Math.floor(random() * 8)}`;
process.stdout.write('ready\n');
for (let version = Number(firstVersion); ; version++) {
  const roll = random();
  if (roll < 0.55) {
    const k = key();
    process.stdout.write(`begin put ${k} ${version}\n`);
    // Sizes vary so a torn write would show as a wrong length, not only wrong bytes.
    await disk.put(k, `v${version}:${'x'.repeat(Math.floor(random() * 200_000))}`);
  } else if (roll < 0.8) {
    const [from, to] = [key(), key()];
    process.stdout.write(`begin move ${from} ${to}\n`);
    await disk.move(from, to).catch((error: { code?: string }) => {
      if (error.code !== 'STORAGE_NOT_FOUND') throw error;
    });
  } else {
    const k = key();
    process.stdout.write(`begin delete ${k} -\n`);
    await disk.delete(k);
  }
  process.stdout.write('ack\n');
}
