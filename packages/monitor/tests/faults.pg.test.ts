// The monitor against a PostgreSQL whose network misbehaves: a fault proxy in front of the real server
// stalls (a partition), resets or refuses connections. Every scrape and insight run settles within its
// bound with pg_up 0 and stale answers, nothing throws out of the process, and all is well once it clears.
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { settleWithin, startFaultProxy, testEnv, watchProcessFaults } from '@core/testing';
import type { FaultProxyHandle } from '@core/testing';
import { HealthRegistry } from '../src';
import { PostgresInsight, registerPostgresMetrics } from '../src/postgres';
import { FAULTS } from './fault-cases';

jest.setTimeout(120_000);

const STATEMENT_MS = 1_000;
/** A scrape or a whole insight run under a fault: the statement deadline, the client-side margin, the pool's connect timeout, slack. */
const BOUND_MS = 6_000;


const pgUp = (text: string) => /^pg_up (\d)$/m.exec(text)?.[1];

describe.each(FAULTS)('the monitor while PostgreSQL is %s', (label, fault) => {
  let proxy: FaultProxyHandle;
  let pool: Pool;
  let watch: ReturnType<typeof watchProcessFaults>;
  beforeEach(async () => {
    const url = new URL(testEnv().pgUrl);
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    // query_timeout: a connection whose query got no answer is dropped from the pool, not held by the stall.
    pool = new Pool({ connectionString: proxy.url(testEnv().pgUrl), max: 2, connectionTimeoutMillis: 1_000, query_timeout: STATEMENT_MS + 2_000 });
    pool.on('error', () => undefined); // idle connections reset by the proxy: a user's pool listens as well
    watch = watchProcessFaults();
  });
  afterEach(async () => {
    await proxy.stop();
    await pool.end().catch(() => undefined);
    expect(watch.stop()).toEqual([]);
  });

  it('scrapes settle with pg_up 0, insight answers stale from its last good run, health is down within its deadline; all recovers', async () => {
    const registry = new Registry();
    registerPostgresMetrics(registry, pool, { statementTimeoutMs: STATEMENT_MS });
    const insight = new PostgresInsight(pool, { statementTimeoutMs: STATEMENT_MS });
    const health = new HealthRegistry().register({ name: 'postgres', timeoutMs: 2_000, run: async () => (await pool.query('SELECT 1'), { status: 'up' }) });
    expect(pgUp(await registry.metrics())).toBe('1');
    const good = await insight.run(['connections', 'sizes']);
    expect(good.checks.every((c) => c.ok)).toBe(true);

    await fault(proxy);
    const started = Date.now();
    let text = '';
    let stale: Awaited<ReturnType<PostgresInsight['run']>> | undefined;
    let status: Awaited<ReturnType<HealthRegistry['report']>> | undefined;
    const report = await settleWithin(
      [async () => (text = await registry.metrics()), async () => (stale = await insight.run(['connections', 'sizes'])), async () => (status = await health.report())],
      BOUND_MS,
    );
    console.log(`${label}: settled in ${Date.now() - started} ms`, report);
    expect(report.pending).toBe(0);
    expect(report.errors).toEqual({}); // each answers, reporting the failure in its result
    expect(pgUp(text)).toBe('0');
    expect(stale!.checks.map((c) => [c.name, c.ok, c.stale])).toEqual([
      ['connections', false, true],
      ['sizes', false, true],
    ]);
    expect(stale!.checks[0]!.error).toMatch(/./);
    expect(status!.status).toBe('down');

    for (let i = 0; i < 50 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(pool.totalCount).toBe(0); // nothing left stuck on the dead network
    await proxy.clear();
    for (let i = 0; i < 50 && pgUp(await registry.metrics()) !== '1'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(pgUp(await registry.metrics())).toBe('1');
    expect((await insight.run(['connections'])).checks[0]).toMatchObject({ ok: true, stale: false });
  });
});
