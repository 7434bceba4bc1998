import { alertRulesYaml, type ActiveAlert } from '@core/monitor';
import { PostgresInsight } from '@core/monitor/postgres';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { alertRulesFor } from '../alert-rules-for';
import { profileHealth } from './profile-health';
import type { Config } from '../config/config';

/** Output and exit status of a monitor subcommand. */
export interface MonitorIo {
  stdout(text: string): void;
  fail(code: number): void;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `core monitor check|insight|alerts|rules`: the PostgreSQL advice of `@core/monitor` (each finding with the SQL that would fix it), and its alert rule file. */
export function monitorCommand(loadConfig: () => Config, io: MonitorIo): Command {
  const command = new Command('monitor').description('Health and database insight (@core/monitor).');
  command
    .command('insight')
    .description('Run the PostgreSQL checks (PgHero\'s, with its thresholds) against the profile\'s database; exit 1 when a finding is critical.')
    .option('--check <name>', 'only this check (repeatable)', collect)
    .option('--json', 'print the report as JSON')
    .action(async (opts: { check?: string[]; json?: boolean }) => {
      const config = loadConfig();
      if (config.database.kind !== 'postgres') throw new InvalidArgumentError('database insight needs PostgreSQL: this profile\'s database is SQLite (set DATABASE_URL, or PG_URL in the test profile)');
      const pool = new pg.Pool({ connectionString: config.database.url, max: 1, connectionTimeoutMillis: 5000, application_name: 'core-monitor' });
      pool.on('error', () => undefined);
      try {
        const report = await new PostgresInsight(pool).run(opts.check);
        if (opts.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const check of report.checks) io.stdout(`${check.ok ? 'ok   ' : 'FAIL '} ${check.name.padEnd(26)} ${check.ok ? `${check.findings.length} finding(s)` : check.error}\n`);
          for (const finding of report.findings) io.stdout(`\n[${finding.severity}] ${finding.check}: ${finding.message}\n  ${finding.advice}\n${finding.fix ? `  fix: ${finding.fix}\n` : ''}`);
        }
        if (report.findings.some((f) => f.severity === 'critical')) io.fail(1);
      } finally {
        await pool.end();
      }
    });
  command
    .command('check')
    .description('Check the profile\'s database, cache, vector store, object store and backup repository once (5 s each); exit 1 when a critical one is down.')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await profileHealth(loadConfig());
      if (opts.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const check of report.checks) io.stdout(`${check.status.padEnd(9)} ${check.name.padEnd(10)} ${String(check.latencyMs).padStart(5)} ms  ${check.detail ?? ''}\n`);
        io.stdout(`overall: ${report.status}\n`);
      }
      if (report.status === 'down') io.fail(1);
    });
  command
    .command('alerts')
    .description('Print the alerts pending or firing in the running orchestrator (its /alerts).')
    .option('--url <url>', 'the orchestrator to ask (default http://127.0.0.1:<PORT>)')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const config = loadConfig();
      const base = opts.url ?? `http://127.0.0.1:${config.server.port}`;
      const response = await fetch(new URL('/alerts', base), { signal: AbortSignal.timeout(5_000), headers: config.dashboard.token ? { authorization: `Bearer ${config.dashboard.token}` } : {} }).catch((error: unknown) => {
        throw new Error(`no orchestrator answered at ${base}: ${(error as Error).message} (is core serve running?)`);
      });
      if (!response.ok) throw new Error(`${base}/alerts answered ${response.status}`);
      const { alerts } = (await response.json()) as { alerts: ActiveAlert[] };
      if (opts.json) io.stdout(`${JSON.stringify({ alerts }, null, 2)}\n`);
      else if (alerts.length === 0) io.stdout('no alert is pending or firing\n');
      else for (const a of alerts) io.stdout(`${a.state.padEnd(8)} ${a.alert.padEnd(28)} ${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(',')}  since ${a.activeAt}${a.annotations.summary ? `  ${a.annotations.summary}` : ''}\n`);
      if (alerts.some((a) => a.state === 'firing')) io.fail(1);
    });
  command
    .command('rules')
    .description('Print the alert rules (the defaults, then the config file\'s alerts.groups) as a Prometheus rule file (for rule_files: and promtool check rules).')
    .action(() => {
      io.stdout(alertRulesYaml(alertRulesFor(loadConfig())));
    });
  return command;
}
