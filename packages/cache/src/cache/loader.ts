import { isFresh, type StoredEntry } from '../cache-entry';
import { l2Failed, type Hold, type View } from './core';
import { runFactory, type LoadOptions } from './factory-runner';
import type { DetailedResult, FactoryContext } from './options';
import { hit, miss, newest, readL2 } from './reads';
import { singleFlight } from './single-flight';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A miss in L1: L2, then — with `lock` — the fleet lock (one instance computes, the others poll for
 * its value), then the factory. The lock, like the single flight, lasts as long as the factory, not
 * the caller's wait.
 */
export async function load<T>(view: View, full: string, factory: (ctx: FactoryContext) => Promise<T> | T, opts: LoadOptions, l1Stale: StoredEntry | undefined, hold: Hold): Promise<DetailedResult<T>> {
  const { core } = view;
  const l2Entry = await readL2(core, full);
  if (l2Entry && isFresh(l2Entry)) {
    hit(core, full, 'l2');
    return { value: l2Entry.v as T, status: 'hit' };
  }
  miss(core, full);
  const stale = newest(l1Stale, l2Entry);
  const { l2 } = core;
  let token: string | undefined;
  if (opts.lock && l2) {
    let lockFailed = false;
    token = await l2.tryLock(full, opts.lockTtlMs).catch((e: unknown) => {
      lockFailed = true; // L2 is down: no one can hold the lock usefully, run the factory here
      l2Failed(core, e);
      return undefined;
    });
    if (token === undefined && !lockFailed) {
      const winner = await waitForValue(view, full, opts.lockWaitMs);
      if (winner) return { value: winner.v as T, status: 'hit' };
    } else if (token !== undefined) {
      const late = await readL2(core, full); // the previous holder may have just finished
      if (late && isFresh(late)) {
        await l2.unlock(full, token).catch((e: unknown) => l2Failed(core, e));
        return { value: late.v as T, status: 'hit' };
      }
    }
  }
  let background: Promise<unknown> | undefined;
  try {
    return await runFactory(view, full, factory, opts, stale, (work) => hold((background = work)));
  } finally {
    if (token !== undefined) {
      const unlock = () => l2!.unlock(full, token).catch((e: unknown) => l2Failed(core, e));
      if (background) void background.then(unlock, unlock);
      else await unlock();
    }
  }
}

async function waitForValue(view: View, full: string, waitMs: number): Promise<StoredEntry | undefined> {
  const deadline = Date.now() + waitMs;
  let delay = 10;
  while (Date.now() < deadline) {
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
    const entry = await readL2(view.core, full);
    if (entry && isFresh(entry)) return entry;
  }
  return undefined;
}

/** On a hit with less than `refreshAhead` of its TTL left, refreshes in the background (errors are reported, not thrown). */
export function maybeRefreshAhead<T>(view: View, full: string, entry: StoredEntry, factory: (ctx: FactoryContext) => Promise<T> | T, opts: LoadOptions): void {
  const fraction = opts.refreshAhead;
  if (!fraction || view.core.inflight.has(full) || entry.e >= Number.MAX_SAFE_INTEGER) return;
  const ttl = entry.e - entry.c;
  if (entry.e - Date.now() > ttl * fraction) return;
  singleFlight(view.core, full, (hold) => runFactory(view, full, factory, opts, entry, hold) as Promise<DetailedResult<unknown>>).catch(() => undefined);
}
