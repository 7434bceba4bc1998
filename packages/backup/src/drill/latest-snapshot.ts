import { NotFoundError } from '../errors';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';

/** The newest snapshot of a kind (and identity, when given); a `NotFoundError` when there is none. */
export async function latestSnapshot(repository: Repository, kind: string, identity?: string): Promise<SnapshotRecord> {
  const found = (await repository.snapshots()).filter((s) => s.source.kind === kind && (identity === undefined || s.source.identity === identity)).at(-1);
  if (!found) throw new NotFoundError(`the repository holds no ${kind} snapshot${identity ? ` of ${identity}` : ''} to drill`);
  return found;
}
