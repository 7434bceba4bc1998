import { StorageError } from './errors';
import { listAll } from './list-all';
import type { StorageProvider } from './provider';

/** One provider-neutral lifecycle rule. */
export interface LifecycleRule {
  id: string;
  /** Applies to keys under this prefix (default: all). */
  prefix?: string;
  /** Applies to objects carrying all these tags (S3 tags, Azure blob index tags). */
  tags?: Record<string, string>;
  /** Move to a colder class N days after creation; in increasing order of days. */
  transitions?: Array<{ days: number; storageClass: string }>;
  /** Delete N days after creation. */
  expireAfterDays?: number;
  /** Abort multipart uploads still incomplete N days after they started (S3). */
  abortIncompleteUploadsAfterDays?: number;
}

/** Where a rule set is going. */
export type LifecycleTarget = 's3' | 'azure' | 'local';

/** The rule set breaks a provider's rules; `problems` lists each one. */
export class LifecycleRuleError extends StorageError {
  constructor(readonly problems: string[]) {
    super('STORAGE_LIFECYCLE_INVALID', `invalid lifecycle rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Classes from warm to cold, with the fewest days S3 / Azure accept before moving there. */
const ORDER: Record<Exclude<LifecycleTarget, 'local'>, Array<{ cls: string; minDays: number }>> = {
  s3: [
    { cls: 'STANDARD_IA', minDays: 30 },
    { cls: 'ONEZONE_IA', minDays: 30 },
    { cls: 'INTELLIGENT_TIERING', minDays: 0 },
    { cls: 'GLACIER_IR', minDays: 0 },
    { cls: 'GLACIER', minDays: 0 },
    { cls: 'DEEP_ARCHIVE', minDays: 0 },
  ],
  azure: [
    { cls: 'Cool', minDays: 0 },
    { cls: 'Cold', minDays: 0 },
    { cls: 'Archive', minDays: 0 },
  ],
};

/** Checks rules against the target's constraints; throws `LifecycleRuleError` with every problem. */
export function validateLifecycle(target: LifecycleTarget, rules: LifecycleRule[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const rule of rules) {
    const at = `rule "${rule.id}"`;
    if (!rule.id) problems.push('every rule needs an id');
    else if (ids.has(rule.id)) problems.push(`${at}: duplicate id`);
    ids.add(rule.id);
    const days = [
      ...(rule.transitions ?? []).map((t) => t.days),
      ...(rule.expireAfterDays === undefined ? [] : [rule.expireAfterDays]),
      ...(rule.abortIncompleteUploadsAfterDays === undefined ? [] : [rule.abortIncompleteUploadsAfterDays]),
    ];
    if (days.some((d) => !Number.isInteger(d) || d < 0)) problems.push(`${at}: days must be whole numbers ≥ 0`);
    if (!rule.transitions?.length && rule.expireAfterDays === undefined && rule.abortIncompleteUploadsAfterDays === undefined) {
      problems.push(`${at}: has no action (transition, expiration or abort)`);
    }
    if (target === 'local') {
      if (rule.transitions?.length) problems.push(`${at}: local disk has no storage classes to transition to`);
      if (rule.tags) problems.push(`${at}: local disk has no object tags to filter on`);
      continue;
    }
    if (target === 'azure' && rule.abortIncompleteUploadsAfterDays !== undefined) {
      problems.push(`${at}: Azure management policies have no action for incomplete uploads`);
    }
    const order = ORDER[target];
    let lastIndex = -1;
    let lastDays = -1;
    for (const t of rule.transitions ?? []) {
      const index = order.findIndex((o) => o.cls === t.storageClass);
      if (index < 0) {
        problems.push(`${at}: ${target} cannot transition to "${t.storageClass}" (known: ${order.map((o) => o.cls).join(', ')})`);
        continue;
      }
      const min = order[index]!.minDays;
      if (t.days < min) problems.push(`${at}: ${t.storageClass} needs at least ${min} days after creation, got ${t.days}`);
      if (index <= lastIndex) problems.push(`${at}: transitions must go to colder classes in order; ${t.storageClass} comes after a colder one`);
      if (t.days <= lastDays) problems.push(`${at}: transition days must increase (${t.days} after ${lastDays})`);
      lastIndex = Math.max(lastIndex, index);
      lastDays = Math.max(lastDays, t.days);
    }
    if (rule.expireAfterDays !== undefined && rule.expireAfterDays <= lastDays) {
      problems.push(`${at}: expiration (${rule.expireAfterDays} days) must come after the last transition (${lastDays} days)`);
    }
  }
  if (problems.length > 0) throw new LifecycleRuleError(problems);
}

/** S3 `PutBucketLifecycleConfiguration` body (`LifecycleConfiguration`) for validated rules. */
export function toS3Lifecycle(rules: LifecycleRule[]): { Rules: Array<Record<string, unknown>> } {
  validateLifecycle('s3', rules);
  return {
    Rules: rules.map((r) => {
      const tags = Object.entries(r.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      const filter =
        tags.length === 0
          ? { Prefix: r.prefix ?? '' }
          : tags.length === 1 && !r.prefix
            ? { Tag: tags[0] }
            : { And: { ...(r.prefix ? { Prefix: r.prefix } : {}), Tags: tags } };
      return {
        ID: r.id,
        Status: 'Enabled',
        Filter: filter,
        ...(r.transitions?.length ? { Transitions: r.transitions.map((t) => ({ Days: t.days, StorageClass: t.storageClass })) } : {}),
        ...(r.expireAfterDays !== undefined ? { Expiration: { Days: r.expireAfterDays } } : {}),
        ...(r.abortIncompleteUploadsAfterDays !== undefined
          ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteUploadsAfterDays } }
          : {}),
      };
    }),
  };
}

/** Azure Storage management policy (`policy` of the ManagementPolicy resource) for validated rules. */
export function toAzurePolicy(rules: LifecycleRule[]): { rules: Array<Record<string, unknown>> } {
  validateLifecycle('azure', rules);
  const action: Record<string, string> = { Cool: 'tierToCool', Cold: 'tierToCold', Archive: 'tierToArchive' };
  return {
    rules: rules.map((r) => {
      const baseBlob: Record<string, unknown> = {};
      for (const t of r.transitions ?? []) baseBlob[action[t.storageClass]!] = { daysAfterModificationGreaterThan: t.days };
      if (r.expireAfterDays !== undefined) baseBlob.delete = { daysAfterModificationGreaterThan: r.expireAfterDays };
      const tags = Object.entries(r.tags ?? {}).map(([name, value]) => ({ name, op: '==', value }));
      return {
        enabled: true,
        name: r.id,
        type: 'Lifecycle',
        definition: {
          filters: {
            blobTypes: ['blockBlob'],
            ...(r.prefix ? { prefixMatch: [r.prefix] } : {}),
            ...(tags.length ? { blobIndexMatch: tags } : {}),
          },
          actions: { baseBlob },
        },
      };
    }),
  };
}

/** Enforces expiration rules on a provider that has no lifecycle engine (local disk); returns the deleted keys. */
export async function applyExpiration(provider: StorageProvider, rules: LifecycleRule[], now = new Date()): Promise<string[]> {
  validateLifecycle('local', rules);
  const deleted: string[] = [];
  for (const rule of rules) {
    if (rule.expireAfterDays === undefined) continue;
    const cutoff = now.getTime() - rule.expireAfterDays * 86_400_000;
    const expired: string[] = [];
    for await (const o of listAll(provider, rule.prefix ? { prefix: rule.prefix } : {})) {
      if (o.lastModified.getTime() < cutoff) expired.push(o.key);
    }
    if (expired.length > 0) await provider.delete(expired);
    deleted.push(...expired);
  }
  return deleted;
}
