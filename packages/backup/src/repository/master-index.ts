import type { BlobEntry, BlobLocation } from './blob';
import { fromEntry } from './blob';

/** One index file: the packs it describes and the index files it replaces. */
export interface IndexFile {
  packs: Array<{ id: string; size: number; blobs: BlobEntry[] }>;
  /** Index files this one makes obsolete (written by prune); loaders ignore them. */
  supersedes: string[];
}

/** Every blob the repository's index files know, by id, and the packs they live in. */
export class MasterIndex {
  readonly blobs = new Map<string, BlobLocation>();
  /** Pack id → size and blob ids. */
  readonly packs = new Map<string, { size: number; blobs: string[] }>();
  /** Index file ids that were loaded (not superseded). */
  readonly files = new Set<string>();
  /** Every index file id seen, superseded ones too (what a prune must supersede and delete). */
  readonly allFiles = new Set<string>();

  /** Builds the index from loaded files, dropping those another file supersedes. */
  static from(files: Array<{ id: string; file: IndexFile }>): MasterIndex {
    const superseded = new Set(files.flatMap(({ file }) => file.supersedes));
    const index = new MasterIndex();
    for (const { id, file } of files) {
      index.allFiles.add(id);
      if (superseded.has(id)) continue;
      index.files.add(id);
      for (const pack of file.packs) index.addPack(pack.id, pack.size, pack.blobs);
    }
    return index;
  }

  /** Records a pack and its blobs. */
  addPack(id: string, size: number, entries: BlobEntry[]): void {
    const ids: string[] = [];
    for (const entry of entries) {
      const location = fromEntry(id, entry);
      if (!this.blobs.has(location.id)) this.blobs.set(location.id, location);
      ids.push(location.id);
    }
    this.packs.set(id, { size, blobs: ids });
  }

  /** Whether a blob is stored. */
  has(id: string): boolean {
    return this.blobs.has(id);
  }

  /** Where a blob is, or undefined. */
  lookup(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }
}
