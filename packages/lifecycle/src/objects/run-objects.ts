import type { LifecycleRule, StorageProvider } from '@core/cloud-storage';
import { listAll, toAzurePolicy, toS3Lifecycle } from '@core/cloud-storage';
import { cutoffOf, parseAge } from '../age';
import { LifecycleAbortedError, LifecycleUnavailableError } from '../errors';
import type { ObjectPolicy } from '../policy/policy-schema';
import type { ProgressListener } from '../progress';

/** What an object policy would do (or did) under its prefix. */
export interface ObjectPlan {
  policy: string;
  kind: 'objects';
  prefix: string;
  objects: number;
  expire: { objects: number; bytes: number; keys: string[] };
  /** Per target class: the objects that move there. */
  transitions: Array<{ storageClass: string; objects: number; bytes: number; keys: string[] }>;
  /** Transitions the store cannot make (it has no such class), with the reason. */
  skipped: string[];
}

/** What one run of an object policy did. */
export interface ObjectResult extends Omit<ObjectPlan, 'expire' | 'transitions'> {
  expired: number;
  expiredBytes: number;
  transitioned: number;
  transitionedBytes: number;
  durationMs: number;
}

/** How many days an age covers (calendar parts at 30 / 365 days), for provider rules that count whole days. */
function daysOf(text: string): number {
  const age = parseAge(text)!;
  return Math.ceil((age.years * 365 + age.months * 30) + age.ms / 86_400_000);
}

/** Lists the prefix and decides, for each object, whether it expires or moves to a colder class. */
export async function planObjects(storage: StorageProvider, policy: ObjectPolicy, now: Date, signal?: AbortSignal): Promise<ObjectPlan> {
  const expireBefore = policy.expireAfter ? cutoffOf(parseAge(policy.expireAfter)!, now) : undefined;
  // Coldest first: an object old enough for several transitions goes straight to the coldest it reached.
  const transitions = (policy.transitions ?? []).map((t) => ({ ...t, before: cutoffOf(parseAge(t.after)!, now) })).sort((a, b) => a.before.getTime() - b.before.getTime());
  const classes = storage.capabilities().storageClasses;
  const plan: ObjectPlan = { policy: policy.name, kind: 'objects', prefix: policy.prefix, objects: 0, expire: { objects: 0, bytes: 0, keys: [] }, transitions: [], skipped: [] };
  for (const t of transitions) {
    if (!classes.includes(t.storageClass)) plan.skipped.push(`${storage.name} has no storage class ${t.storageClass}${classes.length ? ` (it has ${classes.join(', ')})` : ''}`);
  }
  try {
    for await (const object of listAll(storage, { prefix: policy.prefix, ...(signal ? { signal } : {}) })) {
      plan.objects++;
      if (expireBefore && object.lastModified < expireBefore) {
        plan.expire.objects++;
        plan.expire.bytes += object.size;
        plan.expire.keys.push(object.key);
        continue;
      }
      const to = transitions.find((t) => object.lastModified < t.before && classes.includes(t.storageClass));
      if (!to) continue;
      // Listings do not always carry the class (s3rver says STANDARD): ask the object itself.
      const current = object.storageClass && object.storageClass !== 'STANDARD' ? object.storageClass : (await storage.stat(object.key)).storageClass;
      // Never warm an object up: transitions only go to a colder class than the one it is in.
      const order = transitions.map((t) => t.storageClass);
      if (current === to.storageClass || (current !== undefined && order.includes(current) && order.indexOf(current) < order.indexOf(to.storageClass))) continue;
      let entry = plan.transitions.find((e) => e.storageClass === to.storageClass);
      if (!entry) plan.transitions.push((entry = { storageClass: to.storageClass, objects: 0, bytes: 0, keys: [] }));
      entry.objects++;
      entry.bytes += object.size;
      entry.keys.push(object.key);
    }
  } catch (error) {
    if (signal?.aborted) throw new LifecycleAbortedError(policy.name);
    throw new LifecycleUnavailableError(`listing ${policy.prefix} on ${storage.name} failed: ${(error as Error).message}`, { cause: error });
  }
  return plan;
}

/**
 * Applies an object policy by listing, for stores with no lifecycle engine of their own (local disk,
 * s3rver) or to enforce it now: deletes expired objects 1,000 at a time and rewrites the others in
 * their new storage class. On S3 or Azure prefer `providerRules` and let the provider do it.
 */
// Rewriting an object gives it a new modification time: later ages count from the transition. On S3
// or Azure, `providerRules` lets the provider transition in place, keeping the creation time.
export async function runObjects(storage: StorageProvider, policy: ObjectPolicy, now: Date, options: { signal?: AbortSignal; onProgress?: ProgressListener } = {}): Promise<ObjectResult> {
  const started = Date.now();
  const plan = await planObjects(storage, policy, now, options.signal);
  const total = plan.expire.objects + plan.transitions.reduce((n, t) => n + t.objects, 0);
  let done = 0;
  const report = () => options.onProgress?.({ policy: policy.name, phase: 'delete', batches: done, rowsArchived: 0, rowsDeleted: done, total, rate: done / Math.max((Date.now() - started) / 1000, 0.001), etaSeconds: undefined, batchSize: 1000 });
  try {
    for (let i = 0; i < plan.expire.keys.length; i += 1000) {
      if (options.signal?.aborted) throw new LifecycleAbortedError(policy.name);
      const keys = plan.expire.keys.slice(i, i + 1000);
      await storage.delete(keys);
      done += keys.length;
      report();
    }
    let moved = 0;
    let movedBytes = 0;
    for (const t of plan.transitions) {
      for (const key of t.keys) {
        if (options.signal?.aborted) throw new LifecycleAbortedError(policy.name);
        const info = await storage.stat(key);
        await storage.put(key, await storage.get(key), { storageClass: t.storageClass, metadata: info.metadata, ...(info.contentType ? { contentType: info.contentType } : {}) });
        moved++;
        movedBytes += info.size;
        done++;
      }
      report();
    }
    const { expire: _expire, transitions: _transitions, ...rest } = plan;
    return { ...rest, expired: plan.expire.objects, expiredBytes: plan.expire.bytes, transitioned: moved, transitionedBytes: movedBytes, durationMs: Date.now() - started };
  } catch (error) {
    if (error instanceof LifecycleAbortedError) throw error;
    throw new LifecycleUnavailableError(`applying ${policy.name} on ${storage.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Object policies as @core/cloud-storage lifecycle rules (whole days, as providers count them). */
export function toLifecycleRules(policies: ObjectPolicy[]): LifecycleRule[] {
  return policies.map((p) => ({
    id: p.name,
    ...(p.prefix ? { prefix: p.prefix } : {}),
    ...(p.transitions?.length ? { transitions: p.transitions.map((t) => ({ days: daysOf(t.after), storageClass: t.storageClass })) } : {}),
    ...(p.expireAfter ? { expireAfterDays: daysOf(p.expireAfter) } : {}),
  }));
}

/** The provider's own rule document for object policies: S3 `LifecycleConfiguration` or an Azure management policy (validated for that provider). */
export function providerRules(target: 's3' | 'azure', policies: ObjectPolicy[]): { Rules: Array<Record<string, unknown>> } | { rules: Array<Record<string, unknown>> } {
  const rules = toLifecycleRules(policies);
  return target === 's3' ? toS3Lifecycle(rules) : toAzurePolicy(rules);
}
