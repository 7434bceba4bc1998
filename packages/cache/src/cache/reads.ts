import { isFresh, isServable, type StoredEntry } from '../cache-entry';
import { l2Failed, type Core } from './core';

/** Counts a hit (and tells listeners, when there are any: the hit path is hot). */
export function hit(core: Core, full: string, tier: 'l1' | 'l2'): void {
  core.counters.hits++;
  if (core.emitter.listenerCount('hit') > 0) core.emitter.emit('hit', { key: full, tier });
}

/** Counts a miss. */
export function miss(core: Core, full: string): void {
  core.counters.misses++;
  if (core.emitter.listenerCount('miss') > 0) core.emitter.emit('miss', { key: full });
}

/** The hot path: a fresh L1 entry without tags needs no await at all. Counts the hit. */
export function freshUntaggedL1(core: Core, full: string): StoredEntry | undefined {
  const entry = core.l1.getRecord(full)?.value;
  // Without grace the memory tier's own TTL already equals the entry's expiry: no clock read.
  if (entry === undefined || entry.t !== undefined || (entry.g !== entry.e && entry.e <= Date.now())) return undefined;
  hit(core, full, 'l1');
  return entry;
}

/** An L1 entry that is still servable and not invalidated by a tag. */
export async function readL1(core: Core, full: string): Promise<StoredEntry | undefined> {
  const record = core.l1.getRecord(full);
  if (!record) return undefined;
  const entry = record.value;
  if (entry.t && (await core.tags.invalidates(entry.t, entry.c))) {
    core.l1.delete(full);
    return undefined;
  }
  return isServable(entry) ? entry : undefined;
}

/** A servable L2 entry (promoted into L1); an L2 failure reads as absent. */
export async function readL2(core: Core, full: string): Promise<StoredEntry | undefined> {
  const { l2, l1, tags } = core;
  if (!l2) return undefined;
  let entry: StoredEntry | undefined;
  try {
    entry = await l2.get<StoredEntry>(full);
  } catch (error) {
    l2Failed(core, error);
    return undefined;
  }
  if (!entry || !isServable(entry) || (await tags.invalidates(entry.t, entry.c))) return undefined;
  l1.setRecord(full, { value: entry, expiresAt: entry.e, staleUntil: entry.g });
  return entry;
}

/** L1 then L2 (promoting), with the stale candidate found on the way. */
export async function read(core: Core, full: string): Promise<{ fresh?: StoredEntry; stale?: StoredEntry }> {
  const l1 = await readL1(core, full);
  if (l1 && isFresh(l1)) {
    hit(core, full, 'l1');
    return { fresh: l1 };
  }
  const l2 = await readL2(core, full);
  if (l2 && isFresh(l2)) {
    hit(core, full, 'l2');
    return { fresh: l2 };
  }
  miss(core, full);
  return { stale: newest(l1, l2) };
}

/** The more recently written of two entries. */
export function newest(a: StoredEntry | undefined, b: StoredEntry | undefined): StoredEntry | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.c >= b.c ? a : b;
}
