import { BSON, MongoClient } from 'mongodb';
import { SourceError } from '../../errors';
import type { BackupSource, OpenedSource, SourceEntry } from '../source';
import { folderOf, generatedFile } from '../source';
import { fileNameOf, ndjson } from '../ndjson';

/** Options of a MongoDB source. */
export interface MongoSourceOptions {
  /** mongodb:// URL; its database part (or `database`) names the database to export. */
  url: string;
  database?: string;
  /** Server selection and socket deadline (default 10 s). */
  timeoutMs?: number;
}

/** A MongoDB database exported through the driver: one canonical-EJSON NDJSON file per collection (types survive the trip). */
export class MongoSource implements BackupSource {
  readonly kind = 'mongodb';
  readonly identity: string;

  constructor(private readonly options: MongoSourceOptions) {
    const url = new URL(options.url);
    this.identity = `${url.host}/${options.database ?? (url.pathname.slice(1) || 'test')}`;
  }

  /** Connects and offers every collection as a file; the connection closes with the run. */
  async open(): Promise<OpenedSource> {
    const timeout = this.options.timeoutMs ?? 10_000;
    const client = new MongoClient(this.options.url, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout, socketTimeoutMS: timeout * 6 });
    try {
      await client.connect();
      const db = client.db(this.options.database);
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.')).sort();
      const build = await db.admin().serverInfo().catch(() => ({ version: 'unknown' }));
      const files: SourceEntry[] = names.map((name) =>
        generatedFile(`${fileNameOf(name)}.ejson`, () => ndjson(db.collection(name).find({}, { sort: { _id: 1 } }), (doc) => BSON.EJSON.stringify(doc as object, { relaxed: false }))),
      );
      return { root: folderOf('', files), versions: { mongodb: String(build.version) }, generated: true, close: () => client.close() };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new SourceError(`cannot export MongoDB ${this.identity}: ${(error as Error).message}`, { cause: error });
    }
  }
}
