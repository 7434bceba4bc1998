import type { VectorStore } from '@core/vector';
import { EmbeddedVectorStore } from '@core/vector/embedded';
import { PineconeVectorStore } from '@core/vector/pinecone';
import type { VectorConfig } from './config/config';

/**
 * The vector store of the profile: the embedded index on local disk, or Pinecone. `readOnly` opens
 * the embedded index beside a running service without taking its write lock (CLI reads).
 */
export function vectorsFor(config: VectorConfig, options: { sweep: boolean; readOnly?: boolean }): VectorStore {
  if (config.kind === 'embedded') return new EmbeddedVectorStore({ dir: config.dir, sweepIntervalMs: options.sweep ? 60_000 : 0, readOnly: options.readOnly ?? false });
  return new PineconeVectorStore({ apiKey: config.apiKey, index: config.index });
}
