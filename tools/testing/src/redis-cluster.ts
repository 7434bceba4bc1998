import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { waitForPort } from './wait-for-port';

const run = promisify(execFile);

/** A real Redis Cluster of three masters on free ports, for cluster-client tests. */
export interface RedisClusterHandle {
  /** `redis://127.0.0.1:<port>` of each master; any one works as a root node. */
  urls: string[];
  stop(): Promise<void>;
}

/** Starts three `redis-server --cluster-enabled yes` processes and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'core-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))) : undefined,
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      children.push(
        spawn('redis-server', [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--dir', dir,
        ], { stdio: 'ignore' }),
      );
    }
    await Promise.all(ports.map((p) => waitForPort(p)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info'])));
      if (states.every((s) => s.stdout.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error('Redis cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: ports.map((p) => `redis://127.0.0.1:${p}`), stop };
}
