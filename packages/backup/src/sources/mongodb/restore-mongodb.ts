import { BSON, MongoClient } from 'mongodb';
import type { Document } from 'mongodb';
import { decodeTree } from '../../archiver/tree';
import { NotFoundError } from '../../errors';
import type { Repository } from '../../repository/repository';
import { readFile } from '../../restorer/restorer';
import { nameOfFile, parseNdjson } from '../ndjson';

/** Restores a `mongodb` snapshot into database `database` (collections created by insert, in batches of 1,000). */
export async function restoreMongo(repository: Repository, snapshotId: string, options: { url: string; database: string; timeoutMs?: number }): Promise<{ documents: number }> {
  const snapshot = await repository.snapshot(snapshotId);
  if (snapshot.source.kind !== 'mongodb') throw new NotFoundError(`snapshot ${snapshot.id.slice(0, 8)} is of a ${snapshot.source.kind} source, not mongodb`);
  const timeout = options.timeoutMs ?? 10_000;
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout });
  let documents = 0;
  try {
    const db = client.db(options.database);
    for (const node of decodeTree(await repository.readBlob(snapshot.tree)).nodes) {
      if (!node.name.endsWith('.ejson')) continue;
      const collection = db.collection(nameOfFile(node.name.slice(0, -'.ejson'.length)));
      let batch: Document[] = [];
      for await (const doc of parseNdjson<Document>(readFile(repository, node), (line) => BSON.EJSON.parse(line, { relaxed: false }) as Document)) {
        batch.push(doc);
        if (batch.length >= 1000) {
          documents += (await collection.insertMany(batch)).insertedCount;
          batch = [];
        }
      }
      if (batch.length > 0) documents += (await collection.insertMany(batch)).insertedCount;
    }
  } finally {
    await client.close();
  }
  return { documents };
}
