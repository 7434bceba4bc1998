import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);

/** A throwaway PostgreSQL server in a temp directory (a primary, or a streaming replica of one). */
export interface PgClusterHandle {
  port: number;
  url: string;
  dataDir: string;
  /** Stops the server (fast shutdown); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory of the server binaries (`PG_BIN`, else the newest /usr/lib/postgresql/<v>/bin). */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries found: set PG_BIN to the directory holding initdb and pg_ctl');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

/** PostgreSQL refuses to run as root: run its tools as the postgres user then. */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const path = join(binDir(), tool);
  const asRoot = process.getuid?.() === 0;
  const { stdout } = asRoot ? await run('runuser', ['-u', 'postgres', '--', path, ...args]) : await run(path, args);
  return stdout;
}

async function ownedDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  return dir;
}

function handle(dataDir: string, port: number, root: string): PgClusterHandle {
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir}`;
  const cluster: PgClusterHandle = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    start: async () => {
      // Already running (a test's finally restarting a server it never got to stop): nothing to do, so the
      // test's own failure is the one reported.
      if (await pgTool('pg_ctl', ['-D', dataDir, 'status']).then(() => true, () => false)) return;
      await pgTool('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start']).catch(async (error: Error) => {
        const log = await readFile(join(dataDir, 'server.log'), 'utf8').catch(() => '');
        throw new Error(`${error.message}\n--- end of server.log ---\n${log.split('\n').slice(-15).join('\n')}`, { cause: error });
      });
    },
    // A fast shutdown that does not finish in time (a loaded machine, a walsender waiting on its standby) is
    // followed by an immediate one, so the next start never finds the old postmaster still running.
    stop: async () => {
      const fast = await pgTool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']).then(() => true, () => false);
      if (!fast && existsSync(join(dataDir, 'postmaster.pid'))) await pgTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    },
    destroy: async () => {
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** initdb in a temp dir (trust auth, replication allowed from 127.0.0.1) and start on a free port; `settings` go into postgresql.conf. */
export async function startPgCluster(options: { settings?: Record<string, string> } = {}): Promise<PgClusterHandle> {
  const root = await ownedDir('core-pg-');
  const dataDir = join(root, 'data');
  await pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // Throwaway: no fsync; enough WAL senders for a replica or two.
  const extra = Object.entries(options.settings ?? {}).map(([key, value]) => `${key} = '${value.replace(/'/g, "''")}'\n`);
  await appendFile(join(dataDir, 'postgresql.conf'), ["\nfsync = off\nwal_level = replica\nmax_wal_senders = 5\nshared_buffers = '32MB'\n", ...extra].join(''));
  const cluster = handle(dataDir, await freePort(), root);
  await cluster.start();
  return cluster;
}

/** A streaming replica of `primary` (pg_basebackup -R), optionally applying WAL `applyDelayMs` late. */
export async function startPgReplica(primary: PgClusterHandle, options: { applyDelayMs?: number } = {}): Promise<PgClusterHandle> {
  const root = await ownedDir('core-pg-replica-');
  const dataDir = join(root, 'data');
  await pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast']);
  if (options.applyDelayMs) await appendFile(join(dataDir, 'postgresql.auto.conf'), `\nrecovery_min_apply_delay = '${options.applyDelayMs}ms'\n`);
  const replica = handle(dataDir, await freePort(), root);
  await replica.start();
  await waitUntilStreaming(replica);
  return replica;
}

/** Waits until a standby's WAL receiver streams from its primary (a started standby may not be connected yet). */
async function waitUntilStreaming(replica: PgClusterHandle, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run('psql', ['-XAtq', replica.url, '-c', 'select status from pg_stat_wal_receiver']).catch(() => ({ stdout: '' }));
    if (stdout.trim() === 'streaming') return;
    if (Date.now() > deadline) throw new Error(`the replica on port ${replica.port} did not start streaming within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

