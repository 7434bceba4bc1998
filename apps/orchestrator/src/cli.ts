import { MigrationError } from '@core/migrate';
import { Command } from 'commander';
import { BackupError } from '@core/backup';
import { MonitorError } from '@core/monitor';
import { backupCommand } from './commands/backup-command';
import { monitorCommand } from './commands/monitor-command';
import { jobsCommand } from './commands/jobs-command';
import { lifecycleCommand } from './commands/lifecycle-command';
import { LifecycleError } from '@core/lifecycle';
import { migrateCommand } from './commands/migrate-command';
import { storageCommand } from './commands/storage-command';
import { vectorCommand } from './commands/vector-command';
import { VectorError } from '@core/vector';
import { StorageError } from '@core/cloud-storage';
import { loadConfig } from './config/load-config';
import { redact } from './config/redact';
import { ConfigError } from './errors';
import { serve } from './serve';
import { orchestratorVersion } from './version';

/** Where the CLI writes and how it ends; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Exit status a command asks for without throwing (lint errors); 0 when unset. */
  exitCode?: number;
  /** Where progress bars are drawn (default stderr). */
  progressStream?: NodeJS.WritableStream;
}

const defaultIo: CliIo = {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Builds the `core` command line; `entry` is the script that runs it (for `--version`). */
export function createProgram(io: CliIo = defaultIo, entry?: string): Command {
  const program = new Command('core')
    .description('The @core orchestrator: wires the data packages per environment (CORE_ENV) and runs their jobs.')
    .version(orchestratorVersion(entry), '-V, --version', 'Print the version of the core CLI.')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('Serve /healthz, /readyz and /metrics and run the profile\'s components until SIGTERM/SIGINT.')
    .addHelpText('after', '\nReads PORT (default 8080), HOST, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS and the profile\'s variables.')
    .action(async () => {
      await serve(loadConfig(io.env));
    });

  program
    .command('config')
    .description('Print the resolved configuration of the current profile as JSON, secrets redacted.')
    .action(() => {
      io.stdout(`${JSON.stringify(redact(loadConfig(io.env)), null, 2)}\n`);
    });

  program.addCommand(
    migrateCommand(() => loadConfig(io.env), {
      stdout: io.stdout,
      fail: (code) => (io.exitCode = code),
    }),
  );

  program.addCommand(
    storageCommand(() => loadConfig(io.env), {
      stdout: io.stdout,
      progress: io.progressStream ?? process.stderr,
      fail: (code) => (io.exitCode = code),
    }),
  );

  program.addCommand(vectorCommand(() => loadConfig(io.env), { stdout: io.stdout }));

  program.addCommand(jobsCommand(() => loadConfig(io.env), { stdout: io.stdout, fail: (code) => (io.exitCode = code) }));

  program.addCommand(monitorCommand(() => loadConfig(io.env), { stdout: io.stdout, fail: (code) => (io.exitCode = code) }));

  program.addCommand(lifecycleCommand(() => loadConfig(io.env), { stdout: io.stdout, progress: io.progressStream ?? process.stderr, fail: (code) => (io.exitCode = code) }));

  program.addCommand(
    backupCommand(() => loadConfig(io.env), {
      stdout: io.stdout,
      progress: io.progressStream ?? process.stderr,
      fail: (code) => (io.exitCode = code),
      env: io.env,
    }),
  );

  return program;
}

/** Runs the CLI and returns the exit status: 2 for configuration errors, 1 for other failures. */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    await createProgram(io, argv[1]).parseAsync(argv);
    return io.exitCode ?? 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof MigrationError || error instanceof StorageError || error instanceof BackupError || error instanceof MonitorError || error instanceof LifecycleError) {
      io.stderr(`core: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof VectorError) {
      io.stderr(`core: ${error.code}: ${error.message}\n`);
      return 1;
    }
    const commanderExit = error as { code?: string; exitCode?: number };
    if (typeof commanderExit.code === 'string' && commanderExit.code.startsWith('commander.')) {
      return commanderExit.exitCode ?? 1;
    }
    io.stderr(`core: ${(error as Error).message}\n`);
    return 1;
  }
}
