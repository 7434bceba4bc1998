// Child process for the crash test: upserts batches forever and prints each acknowledged batch's ids.
import { EmbeddedVectorStore } from '../src/embedded';

const [dir] = process.argv.slice(2);
const store = new EmbeddedVectorStore({ dir: dir!, sweepIntervalMs: 0 });
const collection = await store.createCollection({ name: 'crash', dimension: 16, metric: 'euclidean' });
for (let batch = 0; ; batch++) {
  const records = Array.from({ length: 50 }, (_, i) => ({ id: `b${batch}-${i}`, vector: Array.from({ length: 16 }, (_, j) => batch + i / 50 + j), metadata: { batch } }));
  await collection.upsert(records);
  process.stdout.write(`ack ${batch}\n`);
}
