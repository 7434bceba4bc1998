/**
 * Wall-clock time with sub-millisecond resolution, for ordering writes against tag invalidations:
 * with whole milliseconds a write and an invalidation in the same millisecond could not be ordered.
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
