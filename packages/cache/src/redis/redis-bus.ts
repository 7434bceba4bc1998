import type { BusMessage, CacheBus } from '../cache-bus';
import type { RedisTier } from './redis-tier';
import { Resilience, type ResilienceOptions } from './resilience';

/** Options of the Redis pub/sub bus. */
export interface RedisBusOptions extends ResilienceOptions {
  /** Channel name (default `<prefix>:bus`). */
  channel?: string;
  /** Told about subscription errors (the bus retries by itself). */
  onError?: (error: Error) => void;
}

/**
 * Keeps the memory tiers of several instances coherent over Redis pub/sub. Messages carry keys,
 * prefixes or tag names only, never values. Publishing is bounded by a timeout and breaker; the
 * subscription runs on its own connection and never blocks start-up when Redis is down.
 */
export class RedisBus implements CacheBus {
  readonly #tier: RedisTier;
  readonly #channel: string;
  readonly #resilience: Resilience;
  readonly #onError: (error: Error) => void;
  #unsubscribe: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(tier: RedisTier, options: RedisBusOptions = {}) {
    this.#tier = tier;
    this.#channel = options.channel ?? `${tier.prefix}:bus`;
    this.#resilience = new Resilience(options);
    this.#onError = options.onError ?? (() => undefined);
  }

  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    const connection = this.#tier.connection;
    await this.#resilience.run('PUBLISH', async (expired) => {
      await connection.ready(expired);
      await connection.publish(this.#channel, payload);
    });
  }

  #closed = false;

  async subscribe(handler: (message: BusMessage) => void): Promise<void> {
    const listener = (raw: string) => {
      try {
        handler(JSON.parse(raw) as BusMessage);
      } catch (error) {
        this.#onError(error as Error);
      }
    };
    // Not awaited by design: a Redis that is down at start-up must not hold the caller; node-redis
    // reconnects and resubscribes when it comes back.
    this.#unsubscribe = this.#tier.connection.subscribe(this.#channel, listener, this.#onError).catch((error: Error) => {
      this.#onError(error);
      return undefined;
    });
  }

  /** Unsubscribes and closes the subscriber connection; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const unsubscribe = await Promise.race([this.#unsubscribe, Promise.resolve(undefined)]);
    // The subscriber may be gone already (its tier closed first): nothing left to undo then.
    await unsubscribe?.().catch(() => undefined);
    this.#tier.connection.closeSubscriber();
  }
}

/** Creates a bus on the same Redis as `tier` (a second connection is opened for SUBSCRIBE). */
export function redisBus(tier: RedisTier, options?: RedisBusOptions): RedisBus {
  return new RedisBus(tier, options);
}
