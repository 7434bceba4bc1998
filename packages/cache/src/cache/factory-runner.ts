import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { isServable, type StoredEntry } from '../cache-entry';
import { FactoryTimeoutError } from '../errors';
import { assertValue } from '../key';
import type { Defaults, Hold, View } from './core';
import type { DetailedResult, FactoryContext, GetOrSetOptions } from './options';
import { writeThrough } from './writes';

/** Options of one `getOrSet`, merged over the defaults. */
export type LoadOptions = GetOrSetOptions & Defaults;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the factory and caches its value. With a stale value at hand: past the soft timeout the stale
 * value is served and the factory goes on (`hold` keeps the key single-flight until it ends); when
 * the factory fails or passes its hard timeout, the stale value is served within grace.
 */
export async function runFactory<T>(
  view: View,
  full: string,
  factory: (ctx: FactoryContext) => Promise<T> | T,
  opts: LoadOptions,
  stale: StoredEntry | undefined,
  hold: Hold = () => undefined,
): Promise<DetailedResult<T>> {
  const { counters, emitter } = view.core;
  counters.factoryCalls++;
  const key = full.slice(view.prefix.length);
  const produce =
    opts.hardTimeoutMs !== undefined
      ? timeout(opts.hardTimeoutMs, TimeoutStrategy.Aggressive).execute(({ signal }) => factory({ key, signal }))
      : Promise.resolve().then(() => factory({ key, signal: new AbortController().signal }));
  const job = produce.then(async (value) => {
    assertValue(value, key);
    await writeThrough(view.core, full, value, opts);
    return value;
  });
  if (stale && opts.softTimeoutMs !== undefined) {
    const soft = Symbol('soft');
    const winner = await Promise.race([job, sleep(opts.softTimeoutMs).then(() => soft)]).catch(() => undefined);
    if (winner === soft) {
      hold(job.catch((error: unknown) => factoryFailed(view, full, error)));
      counters.staleServed++;
      emitter.emit('stale', { key: full });
      return { value: stale.v as T, status: 'stale' };
    }
  }
  try {
    return { value: await job, status: 'miss' };
  } catch (error) {
    factoryFailed(view, full, error);
    if (stale && isServable(stale)) {
      counters.graced++;
      emitter.emit('graced', { key: full, error });
      return { value: stale.v as T, status: 'graced' };
    }
    if (error instanceof TaskCancelledError) throw new FactoryTimeoutError(key, opts.hardTimeoutMs!);
    throw error;
  }
}

function factoryFailed(view: View, full: string, error: unknown): void {
  view.core.counters.factoryErrors++;
  if (error instanceof TaskCancelledError) view.core.counters.factoryTimeouts++;
  view.core.emitter.emit('factory:error', { key: full, error });
}
