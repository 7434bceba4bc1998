import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { checkMetrics, freePort, startRedisServer, startSilentServer, testEnv } from '@core/testing';
import type { RedisServerHandle, SilentServerHandle } from '@core/testing';
import { registerRedisMetrics } from '../src';
import { registerPostgresMetrics } from '../src/postgres';

jest.setTimeout(300_000);

/** The value of one series in an exposition (`name{labels} value`), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('exporter-compatible series, read at scrape time from real servers', () => {
  let pool: Pool;
  let redisServer: RedisServerHandle;
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    pool = new Pool({ connectionString: testEnv().pgUrl, max: 2 });
    redisServer = await startRedisServer();
    redis = createClient({ url: redisServer.url });
    redis.on('error', () => undefined);
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.quit().catch(() => undefined);
    await redisServer?.stop();
    await pool?.end();
  });

  it('names PostgreSQL and Redis series as postgres_exporter and redis_exporter do, and promtool check metrics accepts them', async () => {
    const registry = new Registry();
    registerPostgresMetrics(registry, pool);
    registerRedisMetrics(registry, redis);
    await redis.set('k', 'v');
    await redis.get('k');
    await redis.get('missing');
    const text = await registry.metrics();
    expect(value(text, 'pg_up')).toBe(1);
    expect(value(text, 'pg_database_size_bytes{datname="test"}')).toBeGreaterThan(1_000_000);
    expect(value(text, 'pg_settings_max_connections')).toBeGreaterThan(0);
    expect(value(text, 'pg_replication_is_replica')).toBe(0);
    expect(text).toMatch(/^pg_stat_activity_count\{datname="test",state="(active|idle)"\} \d+$/m);
    expect(text).toMatch(/^pg_locks_count\{datname="test",mode="AccessShareLock"\} \d+$/m);
    expect(value(text, 'pg_stat_database_xact_commit{datname="test"}')).toBeGreaterThan(0);
    expect(value(text, 'redis_up')).toBe(1);
    expect(value(text, 'redis_keyspace_hits_total')).toBe(1);
    expect(value(text, 'redis_keyspace_misses_total')).toBe(1);
    expect(value(text, 'redis_db_keys{db="db0"}')).toBe(1);
    expect(value(text, 'redis_memory_used_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^redis_rdb_last_save_timestamp_seconds \d+$/m);
    expect(text).toContain('# TYPE pg_locks_count untyped');
    expect(text).toContain('# TYPE redis_keyspace_hits_total counter');
    expect(text).toContain('# TYPE pg_up gauge');
    const lint = checkMetrics(text);
    expect(lint).toEqual({ status: 0, output: '' });
  });

  it('a scrape reads the servers again: new values, and series that disappeared are gone', async () => {
    const registry = new Registry();
    registerRedisMetrics(registry, redis);
    await redis.set('k2', 'v');
    expect(value(await registry.metrics(), 'redis_db_keys{db="db0"}')).toBe(2);
    await redis.flushDb();
    expect(value(await registry.metrics(), 'redis_db_keys{db="db0"}')).toBeUndefined();
  });

  it('with minIntervalMs, scrapes closer together than it reuse the last query; later ones query again', async () => {
    let queries = 0;
    const counted = { query: (text: string) => (queries++, pool.query(text)) };
    const registry = new Registry();
    registerPostgresMetrics(registry, counted, { minIntervalMs: 500 });
    await registry.metrics();
    const text = await registry.metrics();
    await Promise.all([registry.metrics(), registry.metrics()]);
    expect(queries).toBe(1);
    expect(value(text, 'pg_up')).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    await registry.metrics();
    expect(queries).toBe(2);
    const plain = new Registry();
    queries = 0;
    registerPostgresMetrics(plain, counted);
    await plain.metrics();
    await plain.metrics();
    expect(queries).toBe(2); // the default: one query per scrape
  });

  it('a refused PostgreSQL and a Redis that never answers give pg_up 0 and redis_up 0 within their deadlines', async () => {
    const down = new Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/test`, connectionTimeoutMillis: 1000 });
    down.on('error', () => undefined);
    const silent: SilentServerHandle = await startSilentServer();
    const hung = createClient({ url: silent.url, socket: { connectTimeout: 500, reconnectStrategy: false } });
    hung.on('error', () => undefined);
    try {
      const registry = new Registry();
      registerPostgresMetrics(registry, down);
      // A client whose INFO never returns: the silent server accepts and answers nothing.
      registerRedisMetrics(registry, { info: () => hung.connect().then(() => hung.info()) }, { timeoutMs: 700 });
      const started = Date.now();
      const text = await registry.metrics();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(value(text, 'pg_up')).toBe(0);
      expect(value(text, 'redis_up')).toBe(0);
      expect(text).not.toMatch(/^pg_database_size_bytes\{/m);
    } finally {
      await down.end();
      hung.destroy?.();
      await silent.stop();
    }
  });
});
