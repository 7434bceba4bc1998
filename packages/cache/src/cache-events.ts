import type { BusMessage } from './cache-bus';
import type { WriteBehindError } from './errors';

/** Events a cache emits; `@core/monitor` can count them without depending on this package. */
export interface CacheEvents {
  hit: [{ key: string; tier: 'l1' | 'l2' }];
  miss: [{ key: string }];
  set: [{ key: string }];
  delete: [{ keys: string[] }];
  /** A stale value was served because the factory overran its soft timeout. */
  stale: [{ key: string }];
  /** A stale value was served because the factory failed or hit its hard timeout. */
  graced: [{ key: string; error: unknown }];
  'factory:error': [{ key: string; error: unknown }];
  'l2:error': [{ error: unknown }];
  'bus:message': [BusMessage];
  'writebehind:flush': [{ count: number }];
  'writebehind:error': [{ error: WriteBehindError }];
}

/** How a `getOrSet` call was answered. */
export type ResultStatus = 'hit' | 'miss' | 'stale' | 'graced';
