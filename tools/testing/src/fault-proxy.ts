import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './free-port';

/** What the proxy does to traffic right now. */
export type FaultMode = 'pass' | 'stall' | 'reset' | 'refuse';

/** A TCP proxy in front of a real server that can stall, reset, delay or cut its connections. */
export interface FaultProxyHandle {
  /** The port clients connect to instead of the server's. */
  port: number;
  /** `url` with its host:port replaced by the proxy's. */
  url(target: string): string;
  /** Holds every socket open and forwards nothing, for old and new connections (a partitioned network). */
  stall(): void;
  /** Resets every open connection (RST) and every new one at once. */
  reset(): void;
  /** Stops listening: new connections are refused; open ones are reset. */
  refuse(): Promise<void>;
  /** Adds `ms` of latency to every chunk in both directions (0 removes it). */
  delay(ms: number): void;
  /** Resets each new connection once `bytes` have gone through it (either direction); undefined to stop. */
  cutAfter(bytes: number | undefined): void;
  /** Back to plain forwarding; stalled sockets carry on with what was held, as a healed network does. */
  clear(): Promise<void>;
  /** The current mode. */
  readonly mode: FaultMode;
  /** Connections accepted so far. */
  accepted(): number;
  /** Resets everything and stops listening. */
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  bytes: number;
  cutAt: number | undefined;
}

/** Starts a fault proxy on a free loopback port forwarding to `target` (`{ host, port }`). */
export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxyHandle> {
  const port = await freePort();
  const host = target.host ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let mode: FaultMode = 'pass';
  let latencyMs = 0;
  let cutAfter: number | undefined;
  let accepted = 0;
  let server: Server | undefined;

  const kill = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.server.resetAndDestroy();
  };

  const forward = (pair: Pair, from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (pair.cutAt !== undefined && pair.bytes + chunk.length >= pair.cutAt) {
        const keep = pair.cutAt - pair.bytes;
        if (keep > 0) to.write(chunk.subarray(0, keep));
        pair.bytes = pair.cutAt;
        setImmediate(() => kill(pair));
        return;
      }
      pair.bytes += chunk.length;
      if (latencyMs === 0) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      from.pause();
      setTimeout(() => {
        if (to.destroyed) return;
        to.write(chunk);
        if (mode === 'pass') from.resume();
      }, latencyMs);
    });
    to.on('drain', () => mode === 'pass' && from.resume());
    from.on('end', () => to.end());
  };

  const onConnection = (client: Socket) => {
    accepted++;
    client.on('error', () => undefined);
    if (mode === 'reset') return void client.resetAndDestroy();
    const upstream = connect({ host, port: target.port });
    upstream.on('error', () => undefined);
    const pair: Pair = { client, server: upstream, bytes: 0, cutAt: cutAfter };
    pairs.add(pair);
    forward(pair, client, upstream);
    forward(pair, upstream, client);
    const drop = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    if (mode === 'stall') {
      client.pause();
      upstream.pause();
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      const closing = server;
      server = undefined;
      if (!closing) return resolve();
      closing.close(() => resolve());
    });

  await listen();
  return {
    port,
    url: (targetUrl) => {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    stall() {
      mode = 'stall';
      for (const pair of pairs) {
        pair.client.pause();
        pair.server.pause();
      }
    },
    reset() {
      mode = 'reset';
      for (const pair of [...pairs]) kill(pair);
    },
    async refuse() {
      mode = 'refuse';
      for (const pair of [...pairs]) kill(pair);
      await unlisten();
    },
    delay(ms) {
      latencyMs = ms;
    },
    cutAfter(bytes) {
      cutAfter = bytes;
    },
    async clear() {
      const wasRefusing = mode === 'refuse';
      mode = 'pass';
      for (const pair of pairs) {
        pair.client.resume();
        pair.server.resume();
      }
      if (wasRefusing) await listen();
    },
    get mode() {
      return mode;
    },
    accepted: () => accepted,
    async stop() {
      for (const pair of [...pairs]) kill(pair);
      await unlisten();
    },
  };
}
