import { lintMigrations, loadMigrations, createMigration, type Migrator } from '@core/migrate';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/config';
import { migratorFor } from '../migrator-for';

/** Output and exit status of a migrate subcommand. */
export interface MigrateIo {
  stdout(text: string): void;
  /** Sets the process exit status (lint errors, failed verify). */
  fail(code: number): void;
}

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

/** `core migrate …`: status, up, down, create, validate, repair, baseline, verify, lint. */
export function migrateCommand(loadConfig: () => Config, io: MigrateIo): Command {
  const command = new Command('migrate').description('Schema migrations of the profile\'s database (MIGRATIONS_DIR, default ./migrations).');
  const withMigrator = (fn: (m: Migrator, config: Config) => Promise<void>, lock?: { wait: boolean; timeoutMs: number }) => async () => {
    const config = loadConfig();
    const migrator = migratorFor(config, lock);
    migrator.on('progress', (p) => {
      if (p.event === 'migrated' || p.event === 'reverted') io.stdout(`  ${p.event === 'migrated' ? '↑' : '↓'} [${p.index}/${p.total}] ${p.name}\n`);
    });
    try {
      await fn(migrator, config);
    } finally {
      await migrator.close();
    }
  };
  const lockOption = (cmd: Command) =>
    cmd
      .option('--no-wait', 'fail at once if another process holds the migration lock')
      .option('--lock-timeout <ms>', 'how long to wait for the lock', integer, 60_000);

  command
    .command('status')
    .description('List migrations: applied, baseline, pending, changed (checksum differs) or missing (file gone).')
    .action(withMigrator(async (m) => {
      const status = await m.status();
      if (status.length === 0) io.stdout(`no migrations in ${m.directory}\n`);
      for (const s of status) {
        const note = s.empty ? '  (empty: write its up section before `up`)' : '';
        io.stdout(`${s.state.padEnd(8)} ${s.name}${s.appliedAt ? `  ${s.appliedAt.toISOString()}` : ''}  ${(s.checksum ?? s.appliedChecksum ?? '').slice(0, 12)}${note}\n`);
      }
    }));

  lockOption(
    command
      .command('up')
      .description('Apply pending migrations under the lock (all, --to NAME or --step N); --dry-run shows the SQL and writes nothing.')
      .option('--to <name>', 'apply up to and including this migration')
      .option('--step <n>', 'apply this many', integer)
      .option('--dry-run', 'print the plan and its SQL; runs in a rolled-back transaction, takes no lock'),
  ).action(async (opts: { to?: string; step?: number; dryRun?: boolean; wait: boolean; lockTimeout: number }) => {
    const options = { ...(opts.to ? { to: opts.to } : {}), ...(opts.step ? { step: opts.step } : {}) };
    await withMigrator(async (m) => {
      if (opts.dryRun) {
        const plan = await m.plan(options);
        if (plan.migrations.length === 0) io.stdout('nothing to apply\n');
        for (const p of plan.migrations) io.stdout(`-- ${p.name}\n${p.statements.map((s) => `${s.trim().replace(/;?$/, ';')}\n`).join('')}`);
        return;
      }
      const applied = await m.up(options);
      io.stdout(applied.length === 0 ? 'nothing to apply\n' : `applied ${applied.length} migration(s)\n`);
    }, { wait: opts.wait, timeoutMs: opts.lockTimeout })();
  });

  lockOption(
    command
      .command('down')
      .description('Revert the last migration, --step N of them, or down --to NAME (inclusive; --to 0 reverts all).')
      .option('--to <name>', 'revert down to and including this migration (0: all)')
      .option('--step <n>', 'revert this many', integer),
  ).action(async (opts: { to?: string; step?: number; wait: boolean; lockTimeout: number }) => {
    await withMigrator(async (m) => {
      const reverted = await m.down(opts.step ? { step: opts.step } : opts.to !== undefined ? { to: opts.to === '0' ? 0 : opts.to } : {});
      io.stdout(`reverted ${reverted.length} migration(s)\n`);
    }, { wait: opts.wait, timeoutMs: opts.lockTimeout })();
  });

  command
    .command('create <name>')
    .description('Write <timestamp>_<name>.sql (or .ts) from a template; refuses a name that sorts before an applied one.')
    .option('--ts', 'a TypeScript module migration instead of SQL')
    .action(async (name: string, opts: { ts?: boolean }) => {
      await withMigrator(async (m, config) => {
        const applied = (await m.status()).filter((s) => s.state !== 'pending').map((s) => s.name);
        const path = await createMigration(config.migrations.dir, name, { format: opts.ts ? 'ts' : 'sql', applied });
        io.stdout(`created ${path}\n`);
      })();
    });

  command
    .command('validate')
    .description('Fail if an applied migration changed (checksum) or its file is missing.')
    .action(withMigrator(async (m) => {
      await m.validate();
      io.stdout('all applied migrations match their files\n');
    }));

  command
    .command('repair')
    .description('After review, accept changed applied migrations by re-stamping their checksums.')
    .action(withMigrator(async (m) => {
      const repaired = await m.repair();
      io.stdout(repaired.length === 0 ? 'nothing to repair\n' : `re-stamped: ${repaired.join(', ')}\n`);
    }));

  command
    .command('baseline <version>')
    .description('Mark migrations up to and including <version> as applied, for a schema that already has them.')
    .action(async (version: string) => {
      await withMigrator(async (m) => {
        const marked = await m.baseline(version);
        io.stdout(`baselined ${marked.length} migration(s)\n`);
      })();
    });

  command
    .command('verify')
    .description('On a scratch schema, run each pending migration up → down → up and compare schema snapshots.')
    .action(withMigrator(async (m) => {
      const report = await m.verify();
      if (report.ok) {
        io.stdout(`reversible: ${report.checked.length} migration(s) checked${report.irreversible.length ? `; no down: ${report.irreversible.join(', ')}` : ''}\n`);
        return;
      }
      io.stdout(`${report.migration}: schema differs after ${report.step}:\n${report.differences.map((d) => `  ${d}\n`).join('')}`);
      io.fail(1);
    }));

  command
    .command('lint')
    .description('Check SQL migrations for unsafe changes; exits non-zero when any error is found.')
    .option('--all', 'lint applied migrations too (default: pending only)')
    .action(async (opts: { all?: boolean }) => {
      await withMigrator(async (m, config) => {
        const pending = new Set((await m.status()).filter((s) => s.state === 'pending').map((s) => s.name));
        const migrations = (await loadMigrations(config.migrations.dir)).filter((x) => opts.all || pending.has(x.name));
        const findings = lintMigrations(migrations, { dialect: config.database.kind === 'postgres' ? 'postgres' : 'sqlite' });
        for (const f of findings) {
          io.stdout(`${f.severity.toUpperCase()} ${f.rule} in ${f.migration}: ${f.statement}\n  why: ${f.message}\n  instead: ${f.suggestion}\n`);
        }
        const errors = findings.filter((f) => f.severity === 'error').length;
        io.stdout(`${findings.length} finding(s), ${errors} error(s) in ${migrations.length} migration(s)\n`);
        if (errors > 0) io.fail(1);
      })();
    });

  return command;
}
