export { MongoDriver } from './mongodb-driver';
export type { MongoDriverOptions, MongoMigrationContext } from './mongodb-driver';
