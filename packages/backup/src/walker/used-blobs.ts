import { decodeTree } from '../archiver/tree';
import { IntegrityError } from '../errors';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';

/** A reference a snapshot makes to a blob the index does not have, or a tree that does not read. */
export interface BrokenReference {
  snapshot: string;
  path: string;
  blob: string;
  message: string;
}

/** Blobs the snapshots use, with one path that uses each (to name files in reports). */
export interface UsedBlobs {
  blobs: Map<string, string>;
  broken: BrokenReference[];
}

/** Walks every tree of `snapshots`; each tree is read once even when many snapshots share it. */
export async function collectUsedBlobs(repository: Repository, snapshots: SnapshotRecord[]): Promise<UsedBlobs> {
  const blobs = new Map<string, string>();
  const broken: BrokenReference[] = [];
  const visit = async (snapshot: string, treeId: string, path: string): Promise<void> => {
    if (blobs.has(treeId)) return;
    blobs.set(treeId, path || '/');
    if (!repository.index.has(treeId)) {
      broken.push({ snapshot, path: path || '/', blob: treeId, message: `tree ${treeId.slice(0, 12)} of ${path || '/'} is missing from the index` });
      return;
    }
    let nodes;
    try {
      nodes = decodeTree(await repository.readBlob(treeId)).nodes;
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      broken.push({ snapshot, path: path || '/', blob: treeId, message: error.message });
      return;
    }
    for (const node of nodes) {
      const childPath = `${path}/${node.name}`;
      if (node.type === 'dir' && node.subtree) await visit(snapshot, node.subtree, childPath);
      for (const id of node.content ?? []) {
        if (!blobs.has(id)) blobs.set(id, childPath);
        if (!repository.index.has(id)) broken.push({ snapshot, path: childPath, blob: id, message: `${childPath}: data blob ${id.slice(0, 12)} is missing from the index` });
      }
    }
  };
  for (const snapshot of snapshots) await visit(snapshot.id, snapshot.tree, '');
  return { blobs, broken };
}
