export { PineconeVectorStore, type PineconeStoreOptions } from './pinecone-store';
export { PineconeCollection, COLLECTION_KEY, EXPIRES_KEY } from './pinecone-collection';
export { upsertBatches, MAX_BATCH_RECORDS, MAX_BATCH_BYTES } from './batches';
export { isRetryable, type RetryOptions } from './retry-policy';
