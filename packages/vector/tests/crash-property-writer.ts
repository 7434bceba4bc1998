// Child process for the crash property test: random upserts, deletes and checkpoints on a small set
// of ids, printing "begin" before and "ack" after each one, until it is killed.
import { seededRandom } from '@core/testing';
import { EmbeddedVectorStore } from '../src/embedded';

const [dir, seedText, firstVersion] = process.argv.slice(2);
const random = seededRandom(Number(seedText));
const store = new EmbeddedVectorStore({ dir: dir!, sweepIntervalMs: 0, checkpointBytes: 4_096 });
const collection = (await store.listCollections()).includes('prop') ? await store.collection('prop') : await store.createCollection({ name: 'prop', dimension: 4, metric: 'euclidean' });
process.stdout.write('ready\n');
for (let version = Number(firstVersion); ; version++) {
  const id = `k${Math.floor(random() * 40)}`;
  const roll = random();
  if (roll < 0.6) {
    process.stdout.write(`begin upsert ${id} ${version}\n`);
    await collection.upsert([{ id, vector: [version, 1, 2, 3], metadata: { version } }]);
  } else if (roll < 0.9) {
    process.stdout.write(`begin delete ${id} ${version}\n`);
    await collection.delete([id]);
  } else {
    process.stdout.write(`begin checkpoint - ${version}\n`);
    await collection.checkpoint();
  }
  process.stdout.write('ack\n');
}
