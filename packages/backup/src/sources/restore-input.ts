import type { Readable } from 'node:stream';
import type { TreeNode } from '../archiver/tree';
import { NotFoundError } from '../errors';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';
import { findNode, readFile } from '../restorer/restorer';

/** The snapshot of a database source, checked to be of `kind`, and the stream of one of its files. */
export async function openSnapshotFile(repository: Repository, snapshotId: string, kind: string, file: string, signal?: AbortSignal): Promise<{ snapshot: SnapshotRecord; node: TreeNode; stream: Readable }> {
  const snapshot = await repository.snapshot(snapshotId);
  if (snapshot.source.kind !== kind) throw new NotFoundError(`snapshot ${snapshot.id.slice(0, 8)} is of a ${snapshot.source.kind} source, not ${kind}`);
  const node = await findNode(repository, snapshot, file);
  if (node.type !== 'file') throw new NotFoundError(`${file} in snapshot ${snapshot.id.slice(0, 8)} is not a file`);
  return { snapshot, node, stream: readFile(repository, node, signal) };
}
