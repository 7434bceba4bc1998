import type { Registry } from 'prom-client';
import { withDeadline } from '../health/with-deadline';
import { scrapeGroup } from './scrape-group';

/** What the Redis series need of a client: `INFO` as text (node-redis and ioredis both have `info()`). */
export interface RedisInfoClient {
  info(section?: string): Promise<string>;
}

/** Parses `INFO` text into `section.field` → value. */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * Redis series under redis_exporter's names, read from one `INFO` per scrape (deadline `timeoutMs`, default
 * 2 s; a failure sets `redis_up` to 0): `redis_up`, `redis_connected_clients`, `redis_blocked_clients`,
 * `redis_rejected_connections_total`, `redis_memory_used_bytes`, `redis_memory_max_bytes`,
 * `redis_evicted_keys_total`, `redis_expired_keys_total`, `redis_keyspace_hits_total`,
 * `redis_keyspace_misses_total`, `redis_rdb_last_save_timestamp_seconds`, `redis_rdb_changes_since_last_save`,
 * `redis_uptime_in_seconds`, `redis_db_keys{db}`. The `_total` ones are the server's own totals since it
 * started, exposed as counters with the server's value (they reset when it restarts, as counters may).
 */
export function registerRedisMetrics(registry: Registry, client: RedisInfoClient, options: { timeoutMs?: number } = {}): void {
  const totals = {
    rejected: ['redis_rejected_connections_total', 'rejected_connections', 'Connections refused (maxclients) since the server started.'],
    evicted: ['redis_evicted_keys_total', 'evicted_keys', 'Keys evicted for maxmemory since the server started.'],
    expired: ['redis_expired_keys_total', 'expired_keys', 'Keys expired since the server started.'],
    hits: ['redis_keyspace_hits_total', 'keyspace_hits', 'Successful key lookups since the server started.'],
    misses: ['redis_keyspace_misses_total', 'keyspace_misses', 'Failed key lookups since the server started.'],
    clients: ['redis_connected_clients', 'connected_clients', 'Client connections.'],
    blocked: ['redis_blocked_clients', 'blocked_clients', 'Clients waiting on a blocking call.'],
    memory: ['redis_memory_used_bytes', 'used_memory', 'Memory Redis has allocated.'],
    maxMemory: ['redis_memory_max_bytes', 'maxmemory', 'The maxmemory setting (0 = no limit).'],
    lastSave: ['redis_rdb_last_save_timestamp_seconds', 'rdb_last_save_time', 'When the last RDB save succeeded (Unix time).'],
    changes: ['redis_rdb_changes_since_last_save', 'rdb_changes_since_last_save', 'Writes since the last RDB save.'],
    uptime: ['redis_uptime_in_seconds', 'uptime_in_seconds', 'Seconds since the server started.'],
  } as const;
  type Key = keyof typeof totals | 'up' | 'keys';
  const specs = { up: { name: 'redis_up', help: 'Whether the last INFO answered (1) or not (0).' } } as Record<Key, { name: string; help: string; labelNames?: readonly string[] }>;
  for (const [key, [name, , help]] of Object.entries(totals)) specs[key as Key] = { name, help, ...(name.endsWith('_total') ? { type: 'counter' as const } : {}) };
  specs.keys = { name: 'redis_db_keys', help: 'Keys per database.', labelNames: ['db'] };
  const timeoutMs = options.timeoutMs ?? 2000;
  scrapeGroup<Key>(registry, specs, async (set) => {
    let info: Map<string, string>;
    try {
      info = parseRedisInfo(await withDeadline('redis INFO', timeoutMs, () => client.info()));
    } catch {
      set('up', 0);
      return;
    }
    set('up', 1);
    for (const [key, [, field]] of Object.entries(totals)) {
      const value = Number(info.get(field));
      if (Number.isFinite(value)) set(key as Key, value);
    }
    for (const [field, value] of info) {
      const keys = /^db(\d+)$/.test(field) ? /keys=(\d+)/.exec(value) : null;
      if (keys) set('keys', Number(keys[1]), { db: field });
    }
  });
}
