import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';
import { waitForPort } from './wait-for-port';

/** A private, real redis-server on its own port, for tests that stop and restart Redis. */
export interface RedisServerHandle {
  port: number;
  url: string;
  /** Stops the server (SIGKILL: an abrupt death, like a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port without persistence. Stopping it does not disturb the shared
 * test Redis other suites use.
 */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitForPort(port);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await handle.start();
  return handle;
}
