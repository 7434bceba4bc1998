import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMetrics, checkRules, createPgDatabase, freePort } from '@core/testing';
import type { PgScratch } from '@core/testing';
import { runCore as core } from './helpers';

jest.setTimeout(180_000);

const main = join(__dirname, '..', 'src', 'main.ts');

describe('@core/monitor in the orchestrator (test profile on a real PostgreSQL database)', () => {
  let db: PgScratch;
  let dataDir: string;
  beforeAll(async () => {
    db = await createPgDatabase('monitor');
    dataDir = await mkdtemp(join(tmpdir(), 'core-monitor-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('core monitor insight runs every check and prints findings with their fix; --json gives the report', async () => {
    const env = { CORE_ENV: 'test', DATA_DIR: dataDir, PG_URL: db.url };
    const text = await core(env, 'monitor', 'insight');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^ok {4}long-running-queries\s+\d+ finding/m);
    expect(text.out).toMatch(/^ok {4}duplicate-indexes/m);
    const json = await core(env, 'monitor', 'insight', '--json', '--check', 'sizes', '--check', 'connections');
    const report = JSON.parse(json.out) as { checks: Array<{ name: string; ok: boolean }> };
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([['connections', true], ['sizes', true]]);
    const bad = await core(env, 'monitor', 'insight', '--check', 'nope');
    expect(bad).toMatchObject({ code: 1, err: expect.stringContaining('MONITOR_INVALID_OPTIONS: unknown insight check nope') });
    const sqlite = await core({ CORE_ENV: 'test', DATA_DIR: dataDir }, 'monitor', 'insight');
    expect(sqlite.code).not.toBe(0);
    const rules = await core({ CORE_ENV: 'test', DATA_DIR: dataDir }, 'monitor', 'rules');
    expect(rules.code).toBe(0);
    expect(checkRules(rules.out)).toMatchObject({ status: 0 });
  });

  it('core monitor check reports each service of the profile; rules from the config file join the defaults, bad ones stop start-up naming their path', async () => {
    const env = { CORE_ENV: 'test', DATA_DIR: dataDir, PG_URL: db.url };
    const check = await core(env, 'monitor', 'check', '--json');
    expect(check.code).toBe(0);
    const report = JSON.parse(check.out) as { status: string; checks: Array<{ name: string; status: string }> };
    expect(report.checks.map((c) => c.name)).toEqual(['database', 'cache', 'vectors', 'storage', 'backups']);
    expect(report.checks.find((c) => c.name === 'database')!.status).toBe('up');
    const down = await core({ CORE_ENV: 'test', DATA_DIR: dataDir, PG_URL: 'postgres://127.0.0.1:1/none' }, 'monitor', 'check');
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/^down\s+database/m);

    const good = join(dataDir, 'rules.yaml');
    await writeFile(good, 'alerts:\n  groups:\n    - name: team\n      rules:\n        - alert: OrdersStuck\n          expr: core_job_runs_total{job="backup-database",result="failed"} > 3\n          for: 5m\n          annotations: { summary: orders are stuck }\n');
    const rules = await core({ ...env, CORE_CONFIG: good }, 'monitor', 'rules');
    expect(rules.code).toBe(0);
    expect(rules.out).toContain('alert: OrdersStuck');
    expect(rules.out).toContain('alert: PostgresDown');
    expect(checkRules(rules.out)).toMatchObject({ status: 0 });
    const bad = join(dataDir, 'bad-rules.yaml');
    await writeFile(bad, 'alerts:\n  groups:\n    - name: team\n      rules:\n        - alert: PostgresDown\n          expr: sum(pg_up\n');
    const refused = await core({ ...env, CORE_CONFIG: bad }, 'monitor', 'rules');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('alerts.groups[0].rules[0].alert: PostgresDown is defined twice');
    expect(refused.err).toContain('alerts.groups[0].rules[0].expr:');
  });

  it('core serve answers /insight, shows the advice on the dashboard, and adds pg_* series to /metrics that promtool accepts', async () => {
    const port = await freePort();
    const env = { CORE_ENV: 'test', DATA_DIR: dataDir, PG_URL: db.url, PORT: String(port), MIGRATIONS_DIR: join(dataDir, 'no-migrations') };
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', main, 'serve'], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
    try {
      for (let i = 0; (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
        if (i > 300 || child.exitCode !== null) throw new Error('core serve did not become ready');
        await new Promise((r) => setTimeout(r, 100));
      }
      const insight = (await (await fetch(`http://127.0.0.1:${port}/insight`)).json()) as { checks: Array<{ ok: boolean }> };
      expect(insight.checks.length).toBe(15);
      expect(insight.checks.every((c) => c.ok)).toBe(true);
      const page = await (await fetch(`http://127.0.0.1:${port}/dashboard/`)).text();
      expect(page).toMatch(/<section id="insight"[^>]*><h2>Database advice<\/h2>(<table>|<p class="status-up">No findings)/);
      expect(page).toContain('No alert is pending or firing');
      expect(await (await fetch(`http://127.0.0.1:${port}/alerts`)).json()).toEqual({ alerts: [] });
      expect(await core(env, 'monitor', 'alerts', '--url', `http://127.0.0.1:${port}`)).toMatchObject({ code: 0, out: 'no alert is pending or firing\n' });
      const readyz = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { components: Array<{ name: string }> };
      expect(readyz.components.map((c) => c.name)).toContain('monitor');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^pg_up 1$/m);
      expect(metrics).toMatch(/^core_repo_pool_utilisation_ratio\{pool="primary"\} [\d.]+$/m);
      expect(metrics).toMatch(/^core_repo_pool_connections\{pool="primary",state="idle"\} \d+$/m);
      expect(metrics).toMatch(/^core_insight_check_stale\{check="sizes"\} 0$/m);
      // Every package wired reports through its stats(): cache, vectors, object store, backup repository.
      expect(metrics).toMatch(/^core_cache_memory_entries \d+$/m);
      expect(metrics).toMatch(/^core_vector_collections \d+$/m);
      expect(metrics).toMatch(/^core_storage_bytes_total\{provider="local",direction="written"\} \d+$/m);
      expect(metrics).toMatch(/^core_backup_repository_up [01]$/m);
      expect(metrics).toMatch(new RegExp(`^pg_database_size_bytes\\{datname="${db.name}"\\} \\d+`, 'm'));
      expect(checkMetrics(metrics)).toEqual({ status: 0, output: '' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
