import type { BackupSource, OpenedSource, SourceEntry } from '../source';
import { folderOf, generatedFile } from '../source';
import { fileNameOf, ndjson } from '../ndjson';

/** The least of a @core/vector collection this source needs (structural: no import of @core/vector). */
export interface ExportableCollection {
  describe(): Promise<{ name: string; dimension: number; metric: string; namespaces: Record<string, number>; ttlMs?: number | undefined }>;
  scan(options?: { namespace?: string }): AsyncIterable<{ id: string; vector: number[]; metadata?: unknown }>;
}

/** The description file's name inside a snapshot. */
export const COLLECTION_FILE = 'collection.json';

/** A vector collection exported through its API: `collection.json` plus one NDJSON file of records per namespace. */
export class VectorCollectionSource implements BackupSource {
  readonly kind = 'vector';

  constructor(
    private readonly collection: ExportableCollection,
    readonly identity: string,
  ) {}

  /** Describes the collection and offers each namespace as a file. */
  async open(): Promise<OpenedSource> {
    const info = await this.collection.describe();
    const description = Buffer.from(JSON.stringify(info, null, 2));
    const files: SourceEntry[] = [generatedFile(COLLECTION_FILE, async function* () { yield description; }, description.length)];
    for (const namespace of Object.keys(info.namespaces).sort()) {
      const collection = this.collection;
      files.push(generatedFile(`${fileNameOf(namespace)}.ndjson`, () => ndjson(collection.scan({ namespace }))));
    }
    return { root: folderOf('', files), versions: { collection: info.name }, generated: true, close: () => Promise.resolve() };
  }
}
