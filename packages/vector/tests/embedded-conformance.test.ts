import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedVectorStore } from '../src/embedded';
import { vectorConformance } from './conformance';

vectorConformance('embedded store (hnswlib-node on local disk)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'core-vector-'));
  const store = new EmbeddedVectorStore({ dir, sweepIntervalMs: 0 });
  return {
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
