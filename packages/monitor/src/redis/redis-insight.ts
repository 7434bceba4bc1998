import { withDeadline } from '../health/with-deadline';
import { InvalidOptionsError, MonitorError, QueryFailedError } from '../errors';
import type { Finding } from '../finding';
import { parseRedisInfo } from '../metrics/redis-metrics';

/** What the Redis insight needs of a client: `INFO` text and raw commands (node-redis's `info` and `sendCommand`; for ioredis pass `{ info: () => c.info(), sendCommand: (a) => c.call(a[0], ...a.slice(1)) }`). */
export interface RedisInsightClient {
  info(section?: string): Promise<string>;
  sendCommand(args: string[]): Promise<unknown>;
}

/** Thresholds of the Redis insight. */
export interface RedisThresholds {
  /** Memory above this share of maxmemory. */
  memoryShare: number;
  /** Keyspace hit rate below this share, once there were `hitRateMinLookups` lookups. */
  hitRate: number;
  hitRateMinLookups: number;
  /** Slow log entries reported (the newest first). */
  slowCommands: number;
}

/** Defaults: memory 90 %, hit rate 80 % over 1,000 lookups, the 10 newest slow commands. */
export const DEFAULT_REDIS_THRESHOLDS: RedisThresholds = { memoryShare: 0.9, hitRate: 0.8, hitRateMinLookups: 1000, slowCommands: 10 };

/** What one Redis insight run found, with the server's numbers. */
export interface RedisInsightReport {
  at: string;
  findings: Finding[];
  info: { usedMemory: number; maxMemory: number; policy: string; evictedKeys: number; hitRate: number | undefined; connectedClients: number; rejectedConnections: number; lastSaveStatus: string; role: string };
  slowCommands: Array<{ id: number; at: string; durationMicros: number; command: string }>;
  latency: Array<{ event: string; at: string; latestMs: number; maxMs: number }>;
}

const n = (info: Map<string, string>, field: string): number => Number(info.get(field) ?? 0);

/**
 * Redis advice from `INFO`, `SLOWLOG GET` and `LATENCY LATEST`, each within `timeoutMs` (default 2 s):
 * memory against maxmemory, evictions and the policy causing them, the keyspace hit rate, rejected
 * connections, failed RDB / AOF writes, and the slowest recent commands (arguments cut to 80 characters).
 */
export class RedisInsight {
  private readonly thresholds: RedisThresholds;

  constructor(
    private readonly client: RedisInsightClient,
    private readonly options: { thresholds?: Partial<RedisThresholds>; timeoutMs?: number } = {},
  ) {
    this.thresholds = { ...DEFAULT_REDIS_THRESHOLDS, ...options.thresholds };
    for (const [key, value] of Object.entries(this.thresholds)) if (!(typeof value === 'number' && value >= 0)) throw new InvalidOptionsError(`thresholds.${key} must be a number ≥ 0`);
  }

  /**
   * Runs the checks; a server that does not answer within the deadline is a `CheckTimeoutError`, one that
   * fails the command (a reset or refused connection, an error reply) a `QueryFailedError` naming it.
   */
  async run(): Promise<RedisInsightReport> {
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const t = this.thresholds;
    const ask = async <T>(name: string, command: () => Promise<T>): Promise<T> => {
      try {
        return await withDeadline(name, timeoutMs, command);
      } catch (error) {
        throw error instanceof MonitorError ? error : new QueryFailedError(name, (error as Error).message, { cause: error });
      }
    };
    const info = parseRedisInfo(await ask('redis INFO', () => this.client.info()));
    const slowlog = (await ask('redis SLOWLOG', () => this.client.sendCommand(['SLOWLOG', 'GET', String(t.slowCommands)]))) as Array<[number, number, number, string[]]>;
    const latency = (await ask('redis LATENCY', () => this.client.sendCommand(['LATENCY', 'LATEST']))) as Array<[string, number, number, number]>;
    const usedMemory = n(info, 'used_memory');
    const maxMemory = n(info, 'maxmemory');
    const policy = info.get('maxmemory_policy') ?? 'unknown';
    const hits = n(info, 'keyspace_hits');
    const misses = n(info, 'keyspace_misses');
    const hitRate = hits + misses > 0 ? hits / (hits + misses) : undefined;
    const findings: Finding[] = [];
    const add = (severity: Finding['severity'], subject: string, message: string, advice: string, fix?: string) =>
      findings.push({ check: 'redis', severity, subject, message, advice, ...(fix ? { fix } : {}), details: {} });
    if (maxMemory > 0 && usedMemory > maxMemory * t.memoryShare) {
      add('warning', 'memory', `Redis uses ${Math.round((usedMemory / maxMemory) * 100)} % of maxmemory (${usedMemory} of ${maxMemory} bytes)`, policy === 'noeviction' ? 'with noeviction, writes fail once it is full: raise maxmemory or expire keys' : `it evicts keys (${policy}) to stay under: raise maxmemory if they are needed`, `CONFIG SET maxmemory ${maxMemory * 2}`);
    }
    if (maxMemory === 0) add('info', 'memory', `no maxmemory is set; Redis uses ${usedMemory} bytes and can grow until the machine runs out`, 'set maxmemory and a policy, so the kernel\'s OOM killer never picks Redis', undefined);
    if (n(info, 'evicted_keys') > 0) add('warning', 'evictions', `${n(info, 'evicted_keys')} keys were evicted since the server started (policy ${policy})`, 'the data set does not fit in maxmemory: raise it, or store less (shorter TTLs, smaller values)', `CONFIG SET maxmemory ${maxMemory * 2}`);
    if (hitRate !== undefined && hits + misses >= t.hitRateMinLookups && hitRate < t.hitRate) add('warning', 'hit rate', `the keyspace hit rate is ${(hitRate * 100).toFixed(1)} % (${misses} misses of ${hits + misses} lookups)`, 'keys expire or are evicted before they are read again, or the application asks for keys it never stored');
    if (n(info, 'rejected_connections') > 0) add('warning', 'connections', `${n(info, 'rejected_connections')} connections were refused (maxclients ${info.get('maxclients') ?? '?'})`, 'pool the connections, or raise maxclients', undefined);
    const lastSave = info.get('rdb_last_bgsave_status') ?? 'ok';
    if (lastSave !== 'ok') add('critical', 'persistence', `the last RDB save failed (${lastSave})`, 'check the disk and the permissions of the dir Redis saves to; with stop-writes-on-bgsave-error, writes are refused');
    if ((info.get('aof_last_write_status') ?? 'ok') !== 'ok') add('critical', 'persistence', `the last AOF write failed (${info.get('aof_last_write_status')})`, 'check the disk; Redis refuses writes until the AOF can be written');
    const slowCommands = (slowlog ?? []).map(([id, at, durationMicros, args]) => ({ id, at: new Date(at * 1000).toISOString(), durationMicros, command: args.join(' ').slice(0, 80) }));
    for (const entry of slowCommands) add('info', `slowlog ${entry.id}`, `${entry.command} took ${(entry.durationMicros / 1000).toFixed(1)} ms at ${entry.at}`, 'a command over the whole keyspace or a large value (KEYS, SMEMBERS of a big set, a large MGET) blocks every client while it runs');
    return {
      at: new Date().toISOString(),
      findings,
      info: { usedMemory, maxMemory, policy, evictedKeys: n(info, 'evicted_keys'), hitRate, connectedClients: n(info, 'connected_clients'), rejectedConnections: n(info, 'rejected_connections'), lastSaveStatus: lastSave, role: info.get('role') ?? 'unknown' },
      slowCommands,
      latency: (latency ?? []).map(([event, at, latestMs, maxMs]) => ({ event, at: new Date(at * 1000).toISOString(), latestMs, maxMs })),
    };
  }
}
