import type { BusMessage } from '../cache-bus';
import { createEntry, physicalTtl, type StoredEntry } from '../cache-entry';
import { assertKey } from '../key';
import { assertDuration, resolveTtl } from '../ttl';
import { l2Failed, type Core } from './core';
import type { EntryOptions } from './options';

/** The entry for a value written now, its TTL resolved (and, for a tagged entry, capped at the tag retention). */
export function entryFor(core: Core, value: unknown, options: EntryOptions): StoredEntry {
  const { defaults, ttlTiers } = core;
  const ttl = resolveTtl(options.ttl, options.tier ?? (options.ttl === undefined ? defaults.tier : undefined), ttlTiers, defaults.ttl);
  const grace = options.grace ?? defaults.grace;
  assertDuration(grace, 'grace');
  if (!options.tags || options.tags.length === 0) return createEntry(value, ttl, grace, undefined);
  for (const tag of options.tags) assertKey(tag);
  // A tagged entry must die before the tag times that could invalidate it are forgotten.
  const retention = core.tags.retentionMs;
  const cappedTtl = ttl === 0 || ttl > retention ? retention : ttl;
  return createEntry(value, cappedTtl, Math.min(grace, retention - cappedTtl), options.tags);
}

/** Writes through L2 (a value it cannot hold is refused before L1 is touched), then L1, then tells the fleet. */
export async function writeThrough(core: Core, full: string, value: unknown, options: EntryOptions): Promise<StoredEntry> {
  const entry = entryFor(core, value, options);
  if (core.l2) await core.l2.set(full, entry, { ttl: physicalTtl(entry) }).catch((e: unknown) => rethrowBadInput(core, e));
  setL1(core, full, entry);
  publish(core, 'delete', [full]);
  core.emitter.emit('set', { key: full });
  return entry;
}

/** Stores an entry in the memory tier with its expiry and grace. */
export function setL1(core: Core, full: string, entry: StoredEntry): void {
  core.l1.setRecord(full, { value: entry, expiresAt: entry.e, staleUntil: entry.g });
}

/** L2 outages are absorbed; errors about the value itself (serialization) reach the caller. */
export function rethrowBadInput(core: Core, error: unknown): void {
  if ((error as { code?: string }).code === 'CACHE_L2_UNAVAILABLE') return l2Failed(core, error);
  throw error;
}

/** Tells other instances to drop or clear keys, or that tags were invalidated (keys only, never values). */
export function publish(core: Core, op: BusMessage['op'], keys: string[]): void {
  const { bus, id, counters } = core;
  if (!bus || keys.length === 0) return;
  counters.published++;
  bus.publish({ origin: id, op, keys }).catch((e: unknown) => l2Failed(core, e));
}
