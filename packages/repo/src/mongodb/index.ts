export { mongoDatabase, MongoDatabase, type MongoDatabaseOptions } from './mongo-database';
export { MongoRepository } from './mongo-repository';
