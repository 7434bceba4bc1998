import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { LocalProvider } from '@core/cloud-storage/local';
import { describeWithEnv, testEnv, uniqueName } from '@core/testing';
import { backup } from '../src';
import { MongoSource, restoreMongo } from '../src/sources/mongodb';
import { initTestRepo, tempDir } from './fixtures';

// No MongoDB server can run on the CI machine: this suite runs when MONGODB_URL is set, and is reported as skipped by name otherwise.
describeWithEnv('MONGODB_URL', 'MongoDB source (EJSON export per collection)', () => {
  it('exports every collection and restores the documents into a new database, types intact', async () => {
    const url = testEnv().mongodbUrl!;
    const client = new MongoClient(url);
    const source = uniqueName('backup');
    const target = uniqueName('restored');
    const work = await tempDir();
    try {
      await client.db(source).collection('things').insertMany([{ n: 1, at: new Date(0) }, { n: 2, big: 2n ** 40n }]);
      const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo') }));
      const { snapshot } = await backup(repository, new MongoSource({ url, database: source }));
      expect(await restoreMongo(repository, snapshot.id, { url, database: target })).toEqual({ documents: 2 });
      const docs = await client.db(target).collection('things').find({}, { sort: { n: 1 } }).toArray();
      expect(docs[0]!.at).toEqual(new Date(0));
    } finally {
      await client.db(source).dropDatabase();
      await client.db(target).dropDatabase();
      await client.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
