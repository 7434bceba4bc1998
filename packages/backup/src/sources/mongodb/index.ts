export { MongoSource } from './mongodb-source';
export type { MongoSourceOptions } from './mongodb-source';
export { restoreMongo } from './restore-mongodb';
