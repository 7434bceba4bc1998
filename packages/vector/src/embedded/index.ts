export { EmbeddedVectorStore, DEFAULT_INDEX, type EmbeddedStoreOptions, type EmbeddedStoreEvents } from './embedded-store';
export { EmbeddedCollection, type CollectionConfig } from './embedded-collection';
