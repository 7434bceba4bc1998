import { createClient, type createCluster } from 'redis';

/** A node-redis client as `createClient()` returns it. */
export type RedisClient = ReturnType<typeof createClient>;
/** A node-redis cluster client as `createCluster()` returns it. */
export type RedisCluster = ReturnType<typeof createCluster>;

/** The slice of node-redis this package calls; both clients and the cluster client have it. */
interface Commands {
  get(key: string): Promise<string | null>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string, options?: object): Promise<unknown>;
  unlink(keys: string | string[]): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  multi(): { set(key: string, value: string, options: object): unknown; exec(): Promise<unknown> };
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<{ cursor: string | number; keys: string[] }>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  ping(): Promise<string>;
  duplicate(): Commands;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error' | 'ready', listener: (error: Error) => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
  isOpen: boolean;
  isReady?: boolean;
  masters?: unknown[];
  nodeClient?(node: unknown): Promise<Commands>;
}

const UNLOCK_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** One server to SCAN, a page at a time (so each page can run under its own deadline). */
export interface ScanTarget {
  page(cursor: string, match: string): Promise<{ cursor: string; keys: string[] }>;
}

/** How to reach Redis: a URL (this package owns the connection) or a client the caller owns. */
export type RedisSource = { url: string; connectTimeoutMs?: number } | { client: RedisClient | RedisCluster };

/**
 * The only place that talks node-redis: one shape over a standalone client and a cluster client.
 * Values and keys travel as strings (see the codec for binary payloads). Batch calls are one round trip on a standalone server
 * (MGET, MULTI, UNLINK); on a cluster, where keys live on different slots, node-redis pipelines the
 * per-key commands to each node.
 */
export class RedisConnection {
  readonly #raw: Commands;
  readonly #owned: boolean;
  readonly isCluster: boolean;
  #subscriber: Commands | undefined;
  #closed = false;
  #whenReady: Promise<void> | undefined;

  constructor(source: RedisSource, onError: (error: Error) => void) {
    if ('client' in source) {
      this.#raw = source.client as unknown as Commands;
      this.#owned = false;
    } else {
      // Our own client never queues commands while disconnected: they fail at once and the
      // breaker takes over, instead of piling up behind a dead server.
      this.#raw = createClient({
        url: source.url,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: source.connectTimeoutMs ?? 2_000,
          reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
        },
      }) as unknown as Commands;
      this.#raw.on('error', onError);
      this.#owned = true;
      this.#raw.connect().catch(onError);
    }
    this.isCluster = Array.isArray(this.#raw.masters);
  }

  /**
   * Waits until the client is connected, or until the caller's deadline passes. Commands are never
   * queued while offline: a write that timed out for its caller must not land later.
   */
  ready(expired: () => boolean): Promise<void> | undefined {
    if (this.#raw.isReady !== false) return undefined; // the common case costs no promise
    // One shared waiter, however many commands are waiting for the connection.
    this.#whenReady ??= new Promise<void>((resolve) => {
      const onReady = () => {
        this.#raw.off('ready', onReady);
        this.#whenReady = undefined;
        resolve();
      };
      this.#raw.on('ready', onReady);
    });
    return this.#whenReady.then(() => {
      if (expired()) throw new Error('connected only after the deadline; command not sent');
    });
  }

  get(key: string): Promise<string | null> {
    return this.#raw.get(key);
  }

  async getMany(keys: string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    if (this.isCluster) return Promise.all(keys.map((k) => this.#raw.get(k)));
    return this.#raw.mGet(keys);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#raw.set(key, value, ttlOption(ttlMs));
  }

  async setMany(items: Array<{ key: string; value: string; ttlMs: number }>): Promise<void> {
    if (items.length === 0) return;
    if (this.isCluster) {
      await Promise.all(items.map((i) => this.#raw.set(i.key, i.value, ttlOption(i.ttlMs))));
      return;
    }
    const multi = this.#raw.multi();
    for (const item of items) multi.set(item.key, item.value, ttlOption(item.ttlMs));
    await multi.exec();
  }

  async unlink(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    if (this.isCluster) return (await Promise.all(keys.map((k) => this.#raw.unlink(k)))).reduce((a, b) => a + b, 0);
    return this.#raw.unlink(keys);
  }

  /** SET NX PX: true when this call took the key. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#raw.set(key, value, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK';
  }

  /** Deletes the key only if it still holds `value` (a lock's owner token). */
  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.#raw.eval(UNLOCK_SCRIPT, { keys: [key], arguments: [value] })) === 1;
  }

  /** The servers a SCAN must visit: the server itself, or every master of a cluster. */
  async scanTargets(): Promise<ScanTarget[]> {
    const nodes = this.isCluster
      ? await Promise.all((this.#raw.masters ?? []).map((m) => this.#raw.nodeClient!(m)))
      : [this.#raw];
    return nodes.map((node) => ({
      async page(cursor: string, match: string) {
        const reply = await node.scan(cursor, { MATCH: match, COUNT: 500 });
        return { cursor: String(reply.cursor), keys: reply.keys };
      },
    }));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#raw.publish(channel, message);
  }

  /** Subscribes on a dedicated connection; returns the function that unsubscribes. */
  async subscribe(channel: string, listener: (message: string) => void, onError: (e: Error) => void): Promise<() => Promise<void>> {
    const subscriber = this.#raw.duplicate();
    subscriber.on('error', onError);
    this.#subscriber = subscriber;
    await subscriber.connect();
    await subscriber.subscribe(channel, listener);
    return async () => {
      if (this.#subscriber === subscriber) this.#subscriber = undefined;
      subscriber.destroy();
    };
  }

  /** Drops the subscriber connection, even while it is still trying to connect. */
  closeSubscriber(): void {
    this.#subscriber?.destroy();
    this.#subscriber = undefined;
  }

  async ping(): Promise<void> {
    await this.#raw.ping();
  }

  /** Closes what this package opened; a caller's client stays as it is. */
  /** Closes the connections this object opened; idempotent (several tiers or caches may share it). */
  close(): void {
    this.closeSubscriber();
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) this.#raw.destroy();
  }
}

function ttlOption(ttlMs: number): object {
  return ttlMs > 0 ? { expiration: { type: 'PX', value: Math.ceil(ttlMs) } } : {};
}
