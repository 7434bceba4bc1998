import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError } from '../../errors';
import { runTool } from '../child-output';
import type { BackupSource, OpenedSource } from '../source';
import { folderOf, generatedFile } from '../source';

/** The RDB file's name inside a snapshot. */
export const RDB_FILE = 'dump.rdb';

/** Options of a Redis source. */
export interface RedisSourceOptions {
  /** `redis://[user:password@]host:port` (the password goes through REDISCLI_AUTH, never a command line). */
  url: string;
  /** Kill redis-cli when the transfer takes longer than this (default 10 minutes). */
  timeoutMs?: number;
}

/** Splits a Redis URL into redis-cli arguments and the environment holding its password. */
export function redisCliArgs(url: string): { args: string[]; env: Record<string, string>; identity: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionsError('url must be a redis:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new InvalidOptionsError('url must start with redis:// or rediss://');
  const host = parsed.hostname || '127.0.0.1';
  const port = parsed.port || '6379';
  const args = ['-h', host, '-p', port];
  if (parsed.protocol === 'rediss:') args.push('--tls');
  if (parsed.username && parsed.username !== 'default') args.push('--user', decodeURIComponent(parsed.username));
  const env: Record<string, string> = parsed.password ? { REDISCLI_AUTH: decodeURIComponent(parsed.password) } : {};
  return { args, env, identity: `${host}:${port}` };
}

/** A running Redis server's RDB, fetched with `redis-cli --rdb` (the server forks and streams a point-in-time dump). */
export class RedisSource implements BackupSource {
  readonly kind = 'redis';
  readonly identity: string;
  private readonly cli: { args: string[]; env: Record<string, string> };

  constructor(private readonly options: RedisSourceOptions) {
    const { args, env, identity } = redisCliArgs(options.url);
    this.cli = { args, env };
    this.identity = identity;
  }

  /** Fetches the RDB to a temp folder and offers it as one file. */
  async open(signal?: AbortSignal): Promise<OpenedSource> {
    const folder = await mkdtemp(join(tmpdir(), 'core-backup-redis-'));
    const path = join(folder, RDB_FILE);
    let version = 'unknown';
    try {
      const info = await runTool('redis-cli', [...this.cli.args, 'info', 'server'], { env: this.cli.env, idleTimeoutMs: 15_000, ...(signal ? { signal } : {}) });
      version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      await runTool('redis-cli', [...this.cli.args, '--rdb', path], { env: this.cli.env, idleTimeoutMs: this.options.timeoutMs ?? 600_000, ...(signal ? { signal } : {}) });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    const size = (await stat(path)).size;
    const file = generatedFile(
      RDB_FILE,
      async function* (readSignal) {
        for await (const piece of createReadStream(path, readSignal ? { signal: readSignal } : {})) yield piece as Buffer;
      },
      size,
    );
    return { root: folderOf('', [file]), versions: { redis: version }, generated: true, expectedBytes: Promise.resolve(size), close: () => rm(folder, { recursive: true, force: true }) };
  }
}
