/** What instances tell each other: which keys, prefixes or tags to drop from their memory tier. */
export interface BusMessage {
  /** Id of the instance that sent it (receivers ignore their own). */
  origin: string;
  /** `delete`: drop these keys; `clear`: drop keys with these prefixes; `tags`: these tags were invalidated. */
  op: 'delete' | 'clear' | 'tags';
  /** Keys, prefixes or tag names — never values. */
  keys: string[];
}

/** A channel between cache instances (`@core/cache/redis` provides one on Redis pub/sub). */
export interface CacheBus {
  publish(message: BusMessage): Promise<void>;
  /** Starts delivering messages to `handler`; must not wait for a server that is down. */
  subscribe(handler: (message: BusMessage) => void): Promise<void>;
  close(): Promise<void>;
}
