// Benchmarks of @core/cache against named peers, all in one process and one run.
// Run: `npx nx run @core/cache:bench` (needs Redis at REDIS_URL, default redis://127.0.0.1:6379).
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { LRUCache } from 'lru-cache';
import { createClient } from 'redis';
import { Cache, MemoryTier } from '../src';
import { redisTier } from '../src/redis';
import { fileURLToPath } from 'node:url';
import { faster, report, same, smaller, throughput, runMain, type Result } from '@core/bench';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const KEYS = Array.from({ length: 1_000 }, (_, i) => `key:${i}`);
const TTL = 60_000;
const results: Result[] = [];
let cursor = 0;
const nextKey = () => KEYS[(cursor = (cursor + 1) % KEYS.length)]!;

async function memoryGet(): Promise<void> {
  const ours = new MemoryTier<string>({ ttl: TTL, max: 10_000 });
  const lru = new LRUCache<string, string>({ ttl: TTL, max: 10_000 });
  for (const k of KEYS) {
    ours.set(k, `v-${k}`);
    lru.set(k, `v-${k}`);
  }
  same('memory get', ours.get('key:1'), lru.get('key:1'));
  const N = 1_000;
  const r = await throughput(
    {
      ours: () => { for (let i = 0; i < N; i++) ours.get(nextKey()); },
      lru: () => { for (let i = 0; i < N; i++) lru.get(nextKey()); },
    },
    N,
  );
  results.push(faster('memory tier sync get (hit)', r.ours!, 'lru-cache get', r.lru!, 0.8));
}

async function asyncGet(): Promise<void> {
  const ours = new Cache({ ttl: TTL });
  const bento = new BentoCache({ default: 'm', stores: { m: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) } });
  const manager = createCacheManager({ ttl: TTL });
  for (const k of KEYS) {
    await ours.set(k, `v-${k}`);
    await bento.set({ key: k, value: `v-${k}`, ttl: TTL });
    await manager.set(k, `v-${k}`);
  }
  same('async get vs bentocache', await ours.get('key:1'), await bento.get({ key: 'key:1' }));
  same('async get vs cache-manager', await ours.get('key:1'), await manager.get('key:1'));
  const N = 100;
  const r = await throughput(
    {
      ours: async () => { for (let i = 0; i < N; i++) await ours.get(nextKey()); },
      bento: async () => { for (let i = 0; i < N; i++) await bento.get({ key: nextKey() }); },
      manager: async () => { for (let i = 0; i < N; i++) await manager.get(nextKey()); },
    },
    N,
  );
  results.push(faster('cache async get (L1 hit)', r.ours!, 'bentocache memory get', r.bento!, 5));
  results.push(faster('cache async get (L1 hit)', r.ours!, 'cache-manager v7 memory get', r.manager!, 2));
  await bento.disconnectAll();
}

async function tieredGet(): Promise<void> {
  const prefix = `bench-${process.pid}`;
  const l2 = redisTier({ url: REDIS_URL, prefix });
  const ours = new Cache({ ttl: TTL, l2 });
  const url = new URL(REDIS_URL);
  const bento = new BentoCache({
    default: 't',
    stores: {
      t: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix })),
    },
  });
  for (const k of KEYS) {
    await ours.set(k, `v-${k}`);
    await bento.set({ key: k, value: `v-${k}`, ttl: TTL });
  }
  same('tiered get', await ours.get('key:2'), await bento.get({ key: 'key:2' }));
  const N = 100;
  const r = await throughput(
    {
      ours: async () => { for (let i = 0; i < N; i++) await ours.get(nextKey()); },
      bento: async () => { for (let i = 0; i < N; i++) await bento.get({ key: nextKey() }); },
    },
    N,
  );
  results.push(faster('tiered get (L1 hit)', r.ours!, 'bentocache tiered get (L1 hit)', r.bento!, 5));
  await l2.clear();
  await ours.close();
  await bento.disconnectAll();
}

async function l2Get(): Promise<void> {
  const prefix = `bench-l2-${process.pid}`;
  const tier = redisTier({ url: REDIS_URL, prefix });
  const raw = createClient({ url: REDIS_URL });
  await raw.connect();
  await tier.setMany(KEYS.map((k) => ({ key: k, value: `v-${k}` })));
  for (const k of KEYS) await raw.set(`${prefix}:raw:${k}`, `v-${k}`);
  same('L2 get', await tier.get('key:3'), await raw.get(`${prefix}:raw:key:3`));
  const C = 64;
  const r = await throughput(
    {
      ours: () => Promise.all(Array.from({ length: C }, () => tier.get(nextKey()))),
      raw: () => Promise.all(Array.from({ length: C }, () => raw.get(`${prefix}:raw:${nextKey()}`))),
    },
    C,
  );
  results.push(faster('L2 get, 64 concurrent callers', r.ours!, 'node-redis GET, 64 concurrent', r.raw!, 0.85));

  const batch = KEYS.slice(0, 100);
  same('getMany', await tier.getMany(batch), await Promise.all(batch.map((k) => tier.get(k))));
  const m = await throughput(
    {
      many: () => tier.getMany(batch),
      singles: async () => { for (const k of batch) await tier.get(k); },
    },
    100,
  );
  results.push(faster('getMany of 100 keys (keys/s)', m.many!, '100 sequential single gets', m.singles!));
  await tier.clear();
  for (const k of KEYS) await raw.del(`${prefix}:raw:${k}`);
  raw.destroy();
  await tier.close();
}

function heapAfterGc(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

function bytesPerEntry(fill: (count: number) => unknown, count: number): number {
  const before = heapAfterGc();
  const holder = fill(count);
  const after = heapAfterGc();
  if (!holder) throw new Error('unreachable');
  return (after - before) / count;
}

function memoryPerEntry(): void {
  if (!globalThis.gc) throw new Error('run with --expose-gc');
  const count = 1_000_000;
  const value = (i: number) => `${i}`.padStart(100, 'v'); // distinct 100-byte strings
  const peer = bytesPerEntry((n) => {
    const lru = new LRUCache<string, string>({ ttl: TTL, max: n });
    for (let i = 0; i < n; i++) lru.set(`key:${i}`, value(i));
    return lru;
  }, count);
  const ours = bytesPerEntry((n) => {
    const tier = new MemoryTier<string>({ ttl: TTL, max: n });
    for (let i = 0; i < n; i++) tier.set(`key:${i}`, value(i));
    return tier;
  }, count);
  results.push(smaller('memory per entry, 1 M × 100 B values', 'bytes', ours, 'lru-cache (same TTL)', peer));
}

const sections: Record<string, () => unknown> = { memoryGet, asyncGet, tieredGet, l2Get, memoryPerEntry };

async function main(): Promise<void> {
  // `npm run bench -- asyncGet l2Get` runs some sections; results.json is written only for a full run.
  const only = process.argv.slice(2);
  for (const [name, section] of Object.entries(sections)) {
    if (only.length > 0 && !only.includes(name)) continue;
    globalThis.gc?.(); // leftovers of the previous section must not be collected during this one
    await section();
  }
  if (only.length === 0) report(results, fileURLToPath(new URL('results.json', import.meta.url)));
  else console.table(results);
}

runMain(main);
