import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AbortedError, InvalidOptionsError, RecoveryFailedError } from '../../errors';

const run = promisify(execFile);

/** Where the server binaries (`pg_ctl`, `postgres`, `pg_verifybackup`, `pg_amcheck`) are. */
export function serverBinDir(pgVersion: string | undefined, binDir?: string): string {
  if (binDir) return binDir;
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const major = pgVersion?.split('.')[0];
  if (major && existsSync(join(root, major, 'bin', 'pg_ctl'))) return join(root, major, 'bin');
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  if (versions.length === 0) throw new InvalidOptionsError('no PostgreSQL server binaries found: pass binDir (the folder holding pg_ctl) or set PG_BIN');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

/** The OS user the server runs as: PostgreSQL refuses root, so root runs it as `postgres`. */
export function defaultRunAs(): string | undefined {
  return process.getuid?.() === 0 ? 'postgres' : undefined;
}

/** Gives `path` (recursively) to `user`, when one is set. */
export async function giveTo(user: string | undefined, ...paths: string[]): Promise<void> {
  if (!user) return;
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  for (const path of paths) await chown(path, uid, gid);
  await run('chown', ['-R', `${uid}:${gid}`, ...paths]);
}

/** Runs a server tool, as `user` when set; resolves to stdout, rejects with stderr in the message. */
export async function runServerTool(bin: string, tool: string, args: string[], options: { user?: string | undefined; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
  const path = join(bin, tool);
  const [command, argv] = options.user ? ['runuser', ['-u', options.user, '--', path, ...args]] : [path, args];
  try {
    const { stdout } = await run(command, argv, { timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env } });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} failed: ${(failure.stderr || failure.stdout || failure.message).trim().split('\n').slice(-5).join(' | ')}`, { cause: error });
  }
}

/** A restored cluster started by this package: port, socket folder, log. */
export class RecoveringServer {
  readonly logFile: string;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly user: string | undefined,
  ) {
    this.logFile = join(dataDir, 'recovery.log');
  }

  /** Starts the postmaster without waiting (recovery may take long; `waitUntilPromoted` watches it). */
  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dataDir} -c lc_messages=C`;
    await runServerTool(this.bin, 'pg_ctl', ['-D', this.dataDir, '-o', options, '-l', this.logFile, '-W', 'start'], { user: this.user });
  }

  /** The server log so far. */
  log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  /** postmaster.pid's status line: `starting`, `standby` (recovering), `ready` (promoted), or undefined when the server is gone. */
  private async status(): Promise<string | undefined> {
    const pid = await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
    if (!pid) return undefined;
    const lines = pid.split('\n');
    try {
      process.kill(Number(lines[0]), 0);
    } catch {
      return undefined;
    }
    return lines[7]?.trim() || 'starting';
  }

  /**
   * Waits until recovery ended and the server accepts read-write connections (postmaster.pid says `ready`
   * and the log says so: a hot standby is `ready` too, read-only). A server
   * that exits first (target not reached, WAL missing or damaged) is a `RecoveryFailedError` with its log.
   */
  async waitUntilPromoted(timeoutMs: number, signal?: AbortSignal, failure?: () => string | undefined): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let seen = false;
    for (;;) {
      if (signal?.aborted) throw new AbortedError('the recovery was aborted; the scratch server was stopped');
      const status = await this.status();
      if (status === 'ready' && /database system is ready to accept connections/.test(await this.log())) return;
      if (status === undefined && (seen || Date.now() - started > 5_000)) {
        const log = await this.log();
        const reason = failure?.() ?? /FATAL: {2}(.*)/.exec(log)?.[1] ?? 'the server exited during recovery';
        throw new RecoveryFailedError(`recovery did not complete: ${reason}`, log.slice(-4000));
      }
      if (status !== undefined) seen = true;
      if (Date.now() > deadline) throw new RecoveryFailedError(`recovery did not complete within ${timeoutMs} ms`, (await this.log()).slice(-4000));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server (fast shutdown); a server already gone is fine. */
  async stop(): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await runServerTool(this.bin, 'pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { user: this.user }).catch(() => undefined);
  }
}

/** A free TCP port on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
