// Retention under load (issue 15): delete 1 M of 5 M rows older than a cut-off while 16 clients run
// single-row inserts and lookups, three ways on identical copies of the same table — one plain
// `DELETE … WHERE created_at < $1`, a fixed 10,000-row batch loop, and @core/lifecycle (adaptive
// keyset batches, timeouts, pauses) — measuring the clients' p99 latency and throughput during each
// deletion and the deletion rate. Then archive-then-delete rows/s against `COPY (SELECT …) TO STDOUT`
// gzip-piped to the same store. Writes bench/results.json and prints the table.
import { createGzip } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, pipeline } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { faster, report, round, runMain, smaller } from '@core/bench';
import type { Result } from '@core/bench';
import { LocalProvider } from '@core/cloud-storage/local';
import { Lifecycle } from '../src';
import type { TableResult } from '../src';
import { postgresDatabase } from '../src/postgres';

const TOTAL = Number(process.env.BENCH_ROWS ?? 5_000_000);
const OLD = Math.round(TOTAL / 5);
const CLIENTS = 16;
const base = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `bench_lifecycle_${process.pid}`;
const url = (() => {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

async function admin<T>(fn: (c: pg.Client) => Promise<T>, connection = base): Promise<T> {
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The template: TOTAL rows, the oldest OLD before the cut-off (one row a second, the newest now). */
async function createTemplate(): Promise<Date> {
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  return admin(async (c) => {
    await c.query(`CREATE TABLE template (id bigint, created_at timestamptz NOT NULL, account_id int NOT NULL, kind text NOT NULL, payload text)`);
    await c.query(`INSERT INTO template SELECT i, now() - (${TOTAL} - i) * interval '1 second', i % 5000, CASE WHEN i % 3 = 0 THEN 'order' ELSE 'view' END, repeat(md5(i::text), 3) FROM generate_series(1, ${TOTAL}) i`);
    const { rows } = await c.query<{ cutoff: Date }>(`SELECT created_at + interval '0.5 second' AS cutoff FROM template WHERE id = ${OLD}`);
    return rows[0]!.cutoff;
  }, url);
}

/** A fresh copy of the template with its primary key and age index, vacuumed and checkpointed, so each contender starts alike. */
async function freshCopy(name: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${name}`);
    await c.query(`CREATE TABLE ${name} AS TABLE template`);
    await c.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id)`);
    await c.query(`CREATE INDEX ON ${name} (created_at)`);
    await c.query(`VACUUM ANALYZE ${name}`);
    await c.query(`CHECKPOINT`);
  }, url);
}

/** 16 clients alternating a single-row insert and a lookup by key; latencies recorded only while `window.open`. */
function startClients(table: string, window: { open: boolean }): { stop(): Promise<{ p99: number; opsPerSecond: number; ops: number }> } {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  const latencies: number[] = [];
  let running = true;
  let nextId = TOTAL + 1 + Math.floor(Math.random() * 1e6) * 100;
  let windowStart = 0;
  let windowEnd = 0;
  const loops = Array.from({ length: CLIENTS }, async (_, n) => {
    const client = await pool.connect();
    try {
      for (let i = 0; running; i++) {
        const began = performance.now();
        if (i % 2 === 0) await client.query(`INSERT INTO ${table} (id, created_at, account_id, kind, payload) VALUES ($1, now(), $2, 'view', 'x')`, [nextId++, n]);
        else await client.query(`SELECT * FROM ${table} WHERE id = $1`, [OLD + 1 + Math.floor(Math.random() * (TOTAL - OLD))]);
        const ended = performance.now();
        if (window.open) {
          if (windowStart === 0) windowStart = began;
          windowEnd = ended;
          latencies.push(ended - began);
        }
      }
    } finally {
      client.release();
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await pool.end();
      latencies.sort((a, b) => a - b);
      return { p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, opsPerSecond: latencies.length / ((windowEnd - windowStart) / 1000), ops: latencies.length };
    },
  };
}

interface Contender {
  name: string;
  /** Deletes every row older than the cut-off; resolves to the rows deleted. */
  run(table: string, cutoff: Date): Promise<number>;
}

const plainDelete: Contender = {
  name: 'one plain DELETE … WHERE created_at < $1',
  run: (table, cutoff) => admin(async (c) => (await c.query(`DELETE FROM ${table} WHERE created_at < $1`, [cutoff])).rowCount ?? 0, url),
};

const fixedBatches: Contender = {
  name: 'a fixed 10,000-row batch loop',
  run: (table, cutoff) =>
    admin(async (c) => {
      let total = 0;
      for (;;) {
        const n = (await c.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE created_at < $1 ORDER BY id LIMIT 10000)`, [cutoff])).rowCount ?? 0;
        if (n === 0) return total;
        total += n;
      }
    }, url),
};

const ours: Contender = {
  name: '@core/lifecycle (delete policy, defaults)',
  run: async (table, cutoff) => {
    const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: url }), policies: [{ name: `bench-${table}`, table, timestampColumn: 'created_at', olderThan: '0d', action: 'delete', ...(process.env.BENCH_BATCH ? { batch: JSON.parse(process.env.BENCH_BATCH) } : {}) }] });
    try {
      const [result] = (await lifecycle.run({ now: cutoff })) as TableResult[];
      return result!.rowsDeleted;
    } finally {
      await lifecycle.close();
    }
  },
};

/** The clients alone for `seconds` on a fresh copy: the floor every contender's p99 sits on. */
async function baseline(table: string, seconds: number): Promise<{ p99: number; opsPerSecond: number }> {
  await freshCopy(table);
  const window = { open: false };
  const clients = startClients(table, window);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  window.open = true;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  window.open = false;
  const load = await clients.stop();
  console.log(`no deletion (baseline): clients p99 ${load.p99.toFixed(1)} ms, ${Math.round(load.opsPerSecond)} ops/s over ${load.ops} ops`);
  return load;
}

/** Runs one contender on a fresh copy under the 16 clients: deletion rows/s, the clients' p99 and ops/s during it. */
async function underLoad(contender: Contender, table: string, cutoff: Date): Promise<{ rate: number; p99: number; opsPerSecond: number; seconds: number }> {
  await freshCopy(table);
  const window = { open: false };
  const clients = startClients(table, window);
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // warm up
  window.open = true;
  const began = performance.now();
  const deleted = await contender.run(table, cutoff);
  const seconds = (performance.now() - began) / 1000;
  window.open = false;
  const load = await clients.stop();
  if (deleted !== OLD) throw new Error(`${contender.name} deleted ${deleted} rows instead of ${OLD}`);
  const left = await admin(async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${table} WHERE created_at < $1`, [cutoff])).rows[0].n), url);
  if (left !== 0) throw new Error(`${contender.name} left ${left} old rows`);
  console.log(`${contender.name}: ${deleted} rows in ${seconds.toFixed(1)} s (${Math.round(deleted / seconds)} rows/s); clients p99 ${load.p99.toFixed(1)} ms, ${Math.round(load.opsPerSecond)} ops/s over ${load.ops} ops`);
  return { rate: deleted / seconds, p99: load.p99, opsPerSecond: load.opsPerSecond, seconds };
}

/** Archive-then-delete of the old rows to local disk against COPY (SELECT …) TO STDOUT | gzip into the same store. */
async function archiving(cutoff: Date, root: string): Promise<Result[]> {
  const storage = new LocalProvider({ root });
  await freshCopy('copy_peer');
  const copyStarted = performance.now();
  await admin(async (c) => {
    const source = c.query(copyTo(`COPY (SELECT row_to_json(t) FROM copy_peer t WHERE created_at < '${cutoff.toISOString()}' ORDER BY id) TO STDOUT`));
    const body = new PassThrough();
    const put = storage.put('peer/copy.ndjson.gz', body);
    await new Promise<void>((resolve, reject) => pipeline(source, createGzip({ level: 6 }), body, (e) => (e ? reject(e) : resolve())));
    await put;
  }, url);
  const copyRate = OLD / ((performance.now() - copyStarted) / 1000);
  await freshCopy('archive_ours');
  const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: url }), archive: { storage }, policies: [{ name: 'bench-archive', table: 'archive_ours', timestampColumn: 'created_at', olderThan: '0d', action: 'archive-then-delete' }] });
  const began = performance.now();
  const [result] = (await lifecycle.run({ now: cutoff })) as TableResult[];
  const oursRate = result!.rowsDeleted / ((performance.now() - began) / 1000);
  await lifecycle.close();
  if (result!.rowsArchived !== OLD || result!.rowsDeleted !== OLD) throw new Error(`archive-then-delete moved ${result!.rowsArchived}/${result!.rowsDeleted} rows instead of ${OLD}`);
  console.log(`archive-then-delete: ${Math.round(oursRate)} rows/s in ${result!.batches} batches; COPY | gzip: ${Math.round(copyRate)} rows/s`);
  return [faster(`archive-then-delete ${OLD.toLocaleString('en-US')} rows to local disk (rows/s)`, oursRate, 'COPY (SELECT …) TO STDOUT | gzip to the same store (no verify, no delete)', copyRate, 0.7, 'rows/s')];
}

runMain(async () => {
  const root = await mkdtemp(join(tmpdir(), 'lifecycle-bench-'));
  try {
    console.log(`creating ${TOTAL.toLocaleString('en-US')} rows (${OLD.toLocaleString('en-US')} past the cut-off) in ${dbName}…`);
    const cutoff = await createTemplate();
    if (process.env.BENCH_ONLY === 'ours') {
      await baseline('base_t', 10);
      await underLoad(ours, 'ours_t', cutoff);
      return;
    }
    const floor = await baseline('base_t', 10);
    const plain = await underLoad(plainDelete, 'plain_t', cutoff);
    const fixed = await underLoad(fixedBatches, 'fixed_t', cutoff);
    const mine = await underLoad(ours, 'ours_t', cutoff);
    const results: Result[] = [
      smaller(`clients' p99 during the deletion (16 clients, insert + lookup)`, 'ms', round(mine.p99, 1), plainDelete.name, round(plain.p99, 1), 2),
      smaller(`clients' p99 during the deletion`, 'ms', round(mine.p99, 1), fixedBatches.name, round(fixed.p99, 1)),
      faster(`clients' throughput during the deletion`, mine.opsPerSecond, plainDelete.name, plain.opsPerSecond, undefined, 'ops/s'),
      faster(`clients' throughput during the deletion`, mine.opsPerSecond, fixedBatches.name, fixed.opsPerSecond, undefined, 'ops/s'),
      faster(`deletion rate, ${OLD.toLocaleString('en-US')} of ${TOTAL.toLocaleString('en-US')} rows`, mine.rate, plainDelete.name, plain.rate, 0.5, 'rows/s'),
      faster(`deletion rate`, mine.rate, fixedBatches.name, fixed.rate, undefined, 'rows/s'),
      ...(await archiving(cutoff, root)),
    ];
    console.log(`(the clients alone, no deletion: p99 ${floor.p99.toFixed(1)} ms, ${Math.round(floor.opsPerSecond)} ops/s)`);
    report(results, join(import.meta.dirname, 'results.json'));
  } finally {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    await rm(root, { recursive: true, force: true });
  }
});
