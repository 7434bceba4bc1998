export { VectorCollectionSource, COLLECTION_FILE } from './vector-source';
export type { ExportableCollection } from './vector-source';
export { restoreVectorCollection } from './restore-vector';
export type { ExportedRecord, ImportableStore } from './restore-vector';
