import { createServer, type Socket } from 'node:net';
import { freePort } from './free-port';

/** A TCP server that accepts connections, reads, and never answers: a hung Redis, say. */
export interface SilentServerHandle {
  port: number;
  url: string;
  /** Bytes received so far (proof that clients did talk to it). */
  received(): number;
  stop(): Promise<void>;
}

/** Starts a server on a free port that swallows everything and replies nothing. */
export async function startSilentServer(scheme = 'redis'): Promise<SilentServerHandle> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let received = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    received: () => received,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
