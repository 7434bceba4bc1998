/** State of a circuit breaker: `open` means calls fail at once without touching the server. */
export type BreakerState = 'closed' | 'open' | 'half-open';
