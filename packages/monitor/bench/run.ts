// Issue 16's benchmarks, same run, same servers: @core/monitor's exporter-compatible series against
// postgres_exporter 0.11 and redis_exporter 1.45 (Debian packages, installed by this script when missing),
// each a separate process scraped over HTTP — scrape latency at 1, 100 and 1,000 tables, the statements
// and backend CPU time a scrape costs PostgreSQL — and the orchestrator's /metrics, every package wired,
// pinned to one core. Writes bench/results.json and prints the table.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { faster, median, report, round, runMain, smaller } from '@core/bench';
import type { Result } from '@core/bench';
import { freePort } from '@core/testing';

const SCRAPES = 40;
const base = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const dbName = `bench_monitor_${process.pid}`;
const dbUrl = (app: string) => {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  u.searchParams.set('application_name', app);
  u.searchParams.set('sslmode', 'disable');
  return u.toString();
};
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

function ensureExporters(): void {
  try {
    execFileSync('sh', ['-c', 'command -v prometheus-postgres-exporter && command -v prometheus-redis-exporter'], { stdio: 'ignore' });
  } catch {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-postgres-exporter prometheus-redis-exporter'], { stdio: 'inherit' });
  }
}

async function sql<T extends pg.QueryResultRow>(text: string, connection = base): Promise<T[]> {
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** Starts a process and waits until GET `url` answers 200. */
async function startScraped(command: string, args: string[], env: Record<string, string>, port: () => Promise<number>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = `http://127.0.0.1:${await port()}/metrics`;
  for (let i = 0; i < 200; i++) {
    if ((await fetch(url).then((r) => r.status, () => 0)) === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${command} did not serve ${url}`);
}

async function startExporterPg(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  return startScraped('prometheus-postgres-exporter', [`--web.listen-address=127.0.0.1:${port}`], { DATA_SOURCE_NAME: dbUrl('bench-theirs') }, async () => port);
}

async function startExporterRedis(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  return startScraped('prometheus-redis-exporter', ['-redis.addr', redisUrl, '-web.listen-address', `127.0.0.1:${port}`], {}, async () => port);
}

async function startOurs(kind: 'pg' | 'redis', url: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(import.meta.dirname, 'serve-ours.ts'), kind, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return startScraped('true', [], {}, async () => port).then(({ url: u }) => ({ child, url: u }));
}

/** Median latency of sequential scrapes (after two warm-ups), µs. */
async function scrapeLatency(url: string): Promise<number> {
  for (let i = 0; i < 2; i++) await (await fetch(url)).text();
  const times: number[] = [];
  for (let i = 0; i < SCRAPES; i++) {
    const started = process.hrtime.bigint();
    await (await fetch(url)).text();
    times.push(Number(process.hrtime.bigint() - started) / 1e3);
  }
  return median(times);
}

/** CPU seconds (user + system) the backends of `app` have used so far. */
async function backendCpu(app: string): Promise<number> {
  const pids = await sql<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = '${app}'`);
  let ticks = 0;
  for (const { pid } of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS;
}

/** Statements a scrape runs, from pg_stat_statements when the server has it, else transactions committed in the bench database. */
async function statementsPer(url: string, scrapes: number): Promise<number> {
  const commits = async () => Number((await sql<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = '${dbName}'`))[0]!.n);
  await new Promise((r) => setTimeout(r, 1_200)); // pending statistics are flushed at most once a second
  const before = await commits();
  for (let i = 0; i < scrapes; i++) await (await fetch(url)).text();
  await new Promise((r) => setTimeout(r, 1_200));
  return (await commits() - before - 1) / scrapes; // the reading itself commits once
}

async function createTables(from: number, to: number): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl('bench-setup') });
  await c.connect();
  for (let i = from; i < to; i++) await c.query(`CREATE TABLE t${i} (id bigint PRIMARY KEY, v text); INSERT INTO t${i} SELECT g, 'x' FROM generate_series(1, 10) g; ANALYZE t${i}`);
  await c.end();
}

/** Scrapes/s of the orchestrator's /metrics (test profile on the bench database: every package wired) pinned to CPU 0, 4 clients for 5 s. */
async function orchestratorScrapes(): Promise<{ rate: number; bytes: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-monitor-'));
  const port = await freePort();
  const main = join(import.meta.dirname, '..', '..', '..', 'apps', 'orchestrator', 'src', 'main.ts');
  const env = { CORE_ENV: 'test', DATA_DIR: dataDir, PG_URL: dbUrl('bench-orchestrator'), REDIS_URL: redisUrl, PORT: String(port), LOG_LEVEL: 'error', MIGRATIONS_DIR: join(dataDir, 'none') };
  const { child } = await startScraped('taskset', ['-c', '0', process.execPath, '--conditions=@core/source', '--import', 'tsx', main, 'serve'], env, async () => port);
  try {
    const url = `http://127.0.0.1:${port}/metrics`;
    const bytes = (await (await fetch(url)).text()).length;
    let done = 0;
    const until = Date.now() + 5_000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          await (await fetch(url)).text();
          done++;
        }
      }),
    );
    return { rate: done / 5, bytes };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  ensureExporters();
  await sql(`DROP DATABASE IF EXISTS ${dbName}`);
  await sql(`CREATE DATABASE ${dbName}`);
  const results: Result[] = [];
  const running: ChildProcess[] = [];
  try {
    const ours = await startOurs('pg', dbUrl('bench-ours'));
    const theirs = await startExporterPg();
    running.push(ours.child, theirs.child);
    let tables = 0;
    for (const target of [1, 100, 1_000]) {
      await createTables(tables, target);
      tables = target;
      const [a, b] = [await scrapeLatency(ours.url), await scrapeLatency(theirs.url)];
      const [a2, b2] = [await scrapeLatency(ours.url), await scrapeLatency(theirs.url)]; // interleaved twice: drift hits both
      results.push(smaller(`PostgreSQL scrape latency, ${target.toLocaleString('en-US')} table(s) (median of ${SCRAPES * 2})`, 'µs', median([a, a2]), 'postgres_exporter 0.11.1', median([b, b2]), 1));
    }
    const [cpuOurs0, cpuTheirs0] = [await backendCpu('bench-ours'), await backendCpu('bench-theirs')];
    for (let i = 0; i < 100; i++) {
      await (await fetch(ours.url)).text();
      await (await fetch(theirs.url)).text();
    }
    const [cpuOurs, cpuTheirs] = [(await backendCpu('bench-ours')) - cpuOurs0, (await backendCpu('bench-theirs')) - cpuTheirs0];
    results.push(smaller('PostgreSQL backend CPU per scrape, 1,000 tables (100 scrapes)', 'µs', (cpuOurs / 100) * 1e6, 'postgres_exporter 0.11.1', (cpuTheirs / 100) * 1e6, 1));
    const [stOurs, stTheirs] = [await statementsPer(ours.url, 20), await statementsPer(theirs.url, 20)];
    results.push(smaller('transactions a scrape runs in the database', 'transactions', Math.max(stOurs, 0.01), 'postgres_exporter 0.11.1', stTheirs, 1));
    for (const c of running.splice(0)) c.kill('SIGTERM');

    const oursRedis = await startOurs('redis', redisUrl);
    const theirsRedis = await startExporterRedis();
    running.push(oursRedis.child, theirsRedis.child);
    const [r1, t1] = [await scrapeLatency(oursRedis.url), await scrapeLatency(theirsRedis.url)];
    const [r2, t2] = [await scrapeLatency(oursRedis.url), await scrapeLatency(theirsRedis.url)];
    results.push(smaller(`Redis scrape latency (median of ${SCRAPES * 2})`, 'µs', median([r1, r2]), 'redis_exporter 1.45.0', median([t1, t2]), 1));
    for (const c of running.splice(0)) c.kill('SIGTERM');

    const orchestrator = await orchestratorScrapes();
    results.push(faster(`orchestrator /metrics, every package wired, one core, 4 clients (${orchestrator.bytes.toLocaleString('en-US')} bytes)`, round(orchestrator.rate), 'the issue\'s floor of 500 scrapes/s', 500, 1, 'scrapes/s'));
  } finally {
    for (const c of running) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await sql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
  report(results, join(import.meta.dirname, 'results.json'));
}

runMain(main);
