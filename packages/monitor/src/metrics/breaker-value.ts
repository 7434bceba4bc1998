/** A circuit breaker's state as `@core/cache` and `@core/repo` report it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** 1 open, 0.5 half-open, 0 closed: the encoding every `core_*_breaker_open` series uses. */
export const breakerValue = (state: BreakerState): number => (state === 'open' ? 1 : state === 'half-open' ? 0.5 : 0);
