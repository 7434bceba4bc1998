import { InvalidOptionsError } from '../errors';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';
import { applyPolicy, isEmptyPolicy } from './forget-policy';
import type { KeepDecision, RetentionPolicy } from './forget-policy';

/** What snapshots are grouped by before the policy applies to each group (default: the source). */
export type GroupBy = Array<'source' | 'host' | 'tags'>;

/** Options of `forget`. */
export interface ForgetOptions {
  groupBy?: GroupBy;
  /** Decide and report, remove nothing. */
  dryRun?: boolean;
  /** Allow a policy that removes every snapshot of a group. */
  allowRemoveAll?: boolean;
  /** Only these sources / tags are considered. */
  filter?: { kind?: string; identity?: string; tags?: string[] };
}

/** The decision for one group. */
export interface ForgetGroup {
  key: string;
  keep: Array<KeepDecision<SnapshotRecord>>;
  remove: SnapshotRecord[];
}

function groupKey(snapshot: SnapshotRecord, groupBy: GroupBy): string {
  return groupBy
    .map((field) => (field === 'source' ? `${snapshot.source.kind}:${snapshot.source.identity}` : field === 'host' ? `host=${snapshot.host}` : `tags=${snapshot.tags.join(',')}`))
    .join(' ');
}

/**
 * Applies a retention policy per group and removes the snapshots it does not keep (data stays until
 * `prune`). Refuses an empty policy, and a policy that would empty a group unless `allowRemoveAll`.
 */
export async function forget(repository: Repository, policy: RetentionPolicy, options: ForgetOptions = {}): Promise<ForgetGroup[]> {
  if (isEmptyPolicy(policy)) throw new InvalidOptionsError('the retention policy keeps nothing: give at least one of last, hourly, daily, weekly, monthly, yearly, within…, tags');
  const groupBy = options.groupBy ?? ['source'];
  const lock = options.dryRun ? undefined : await repository.lock(true);
  try {
    const filter = options.filter ?? {};
    const snapshots = (await repository.snapshots()).filter(
      (s) =>
        (filter.kind === undefined || s.source.kind === filter.kind) &&
        (filter.identity === undefined || s.source.identity === filter.identity) &&
        (filter.tags === undefined || filter.tags.every((tag) => s.tags.includes(tag))),
    );
    const groups = new Map<string, SnapshotRecord[]>();
    for (const snapshot of snapshots) {
      const key = groupKey(snapshot, groupBy);
      groups.set(key, [...(groups.get(key) ?? []), snapshot]);
    }
    const decisions: ForgetGroup[] = [...groups].map(([key, list]) => ({ key, ...applyPolicy(list, policy) }));
    const emptied = decisions.find((group) => group.keep.length === 0 && group.remove.length > 0);
    if (emptied && !options.allowRemoveAll) throw new InvalidOptionsError(`the policy would remove every snapshot of ${emptied.key}; pass allowRemoveAll to do that`);
    if (!options.dryRun) await repository.store.remove('snapshots', decisions.flatMap((group) => group.remove.map((s) => s.id)));
    return decisions;
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
