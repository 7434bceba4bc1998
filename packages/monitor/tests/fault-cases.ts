// The network faults both fault suites (faults.pg.test.ts, faults.redis.test.ts) put the servers through.
import type { FaultProxyHandle } from '@core/testing';

/** Name and how to cause it: a partition, reset connections, a server that stopped listening. */
export const FAULTS: Array<[string, (proxy: FaultProxyHandle) => void | Promise<void>]> = [
  ['stall', (p) => p.stall()],
  ['reset', (p) => p.reset()],
  ['refused', (p) => p.refuse()],
];
