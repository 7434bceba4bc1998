import { alertRulesYaml } from '@core/monitor';
import { PostgresInsight } from '@core/monitor/postgres';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import type { Config } from '../config/config';

/** Output and exit status of a monitor subcommand. */
export interface MonitorIo {
  stdout(text: string): void;
  fail(code: number): void;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `core monitor insight|rules`: the PostgreSQL advice of `@core/monitor` (each finding with the SQL that would fix it), and its alert rule file. */
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
    .command('rules')
    .description('Print the default alert rules as a Prometheus rule file (for rule_files: and promtool check rules).')
    .action(() => {
      io.stdout(alertRulesYaml());
    });
  return command;
}
