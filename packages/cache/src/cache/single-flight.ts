import type { Core, Hold } from './core';
import type { DetailedResult } from './options';

/**
 * One load per key at a time. A load may `hold` the key past its answer — a factory still running
 * after a soft timeout served stale — so callers meanwhile share that answer instead of starting
 * another factory (a slow backend would otherwise get a stampede exactly when it is slow).
 */
export function singleFlight(core: Core, full: string, load: (hold: Hold) => Promise<DetailedResult<unknown>>): Promise<DetailedResult<unknown>> {
  const running = core.inflight.get(full);
  if (running) return running;
  let held: Promise<unknown> | undefined;
  const promise = load((work) => (held = work));
  const release = () => {
    if (core.inflight.get(full) === promise) core.inflight.delete(full);
  };
  promise.then(() => (held ? held.then(release, release) : release()), release);
  core.inflight.set(full, promise);
  return promise;
}
