export { PineconeVectorStore, type PineconeStoreOptions } from './pinecone-store';
export { PineconeCollection } from './pinecone-collection';
export { MAX_BATCH_RECORDS, MAX_BATCH_BYTES } from './batches';
export type { RetryOptions } from './retry-policy';
