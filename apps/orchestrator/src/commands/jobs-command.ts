import { Command } from 'commander';
import type { Config } from '../config/config';
import { profileJobs } from '../jobs/profile-jobs';
import type { RunRecord } from '../scheduler/job';
import { jobsSqlClient } from '../scheduler/jobs-database';
import { RunStore } from '../scheduler/run-store';
import { Scheduler } from '../scheduler/scheduler';
import { createLogger } from '../logger';
import { vectorsFor } from '../vectors-for';
import type { VectorStore } from '@core/vector';
import type { Lifecycle } from '@core/lifecycle';
import { lifecycleFor } from '../lifecycle-for';

/** Output of a jobs subcommand. */
export interface JobsIo {
  stdout(text: string): void;
  fail(code: number): void;
}

const when = (date: Date | null | undefined) => (date ? date.toISOString().replace('.000Z', 'Z') : '—');

function describeRun(run: RunRecord): string {
  const seconds = run.startedAt && run.finishedAt ? `${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s` : '';
  const scheduled = run.scheduledAt.getTime() === 0 ? 'first run' : when(run.scheduledAt);
  return `${String(run.id).padStart(6)}  ${run.job.padEnd(18)}  ${scheduled.padEnd(20)}  #${run.attempt}  ${run.state.padEnd(11)}  ${seconds.padStart(8)}  ${run.error ?? (run.result ? JSON.stringify(run.result) : '')}`;
}

/** `core jobs ls|history|run|pause|resume` on the profile's job table (shared with running replicas). */
export function jobsCommand(loadConfig: () => Config, io: JobsIo): Command {
  const command = new Command('jobs').description('Scheduled jobs: list, history, run now, pause, resume (state shared with every running orchestrator).');
  const withScheduler = async <T>(fn: (scheduler: Scheduler, store: RunStore) => Promise<T>): Promise<T> => {
    const config = loadConfig();
    const sql = jobsSqlClient(config);
    let vectors: VectorStore | undefined;
    let lifecycle: Lifecycle | undefined;
    const store = new RunStore(sql);
    try {
      await store.ensure();
      const scheduler = new Scheduler({ store, jobs: profileJobs(config, { vectors: () => (vectors ??= vectorsFor(config.vectors, { sweep: false, readOnly: true })), lifecycle: () => (lifecycle ??= lifecycleFor(config)) }), logger: createLogger('warn') });
      return await fn(scheduler, store);
    } finally {
      await vectors?.close();
      await lifecycle?.close();
      await sql.close();
    }
  };

  command
    .command('ls')
    .description('Every job: schedule, next run, last run and its result.')
    .action(() =>
      withScheduler(async (scheduler) => {
        for (const job of await scheduler.status()) {
          io.stdout(`${job.name.padEnd(18)}  ${`${job.schedule} (${job.timezone})`.padEnd(24)}  next ${when(job.nextRun)}  last ${job.lastRun ? `${job.lastRun.state} ${when(job.lastRun.finishedAt ?? job.lastRun.startedAt)}` : 'never'}${job.paused ? '  PAUSED' : ''}${job.running ? '  RUNNING' : ''}\n`);
        }
      }),
    );

  command
    .command('history [job]')
    .description('Recent runs, newest first.')
    .option('-n, --limit <n>', 'how many', Number, 20)
    .action((job: string | undefined, opts: { limit: number }) =>
      withScheduler(async (_scheduler, store) => {
        const runs = await store.history(job, opts.limit);
        if (runs.length === 0) io.stdout(`no runs${job ? ` of ${job}` : ''}\n`);
        for (const run of runs) io.stdout(`${describeRun(run)}\n`);
      }),
    );

  command
    .command('run <job>')
    .description('Run a job now in this process (claimed like a scheduled occurrence: never twice at once).')
    .action((name: string) =>
      withScheduler(async (scheduler, store) => {
        const id = await scheduler.runNow(name);
        if (id === undefined) {
          io.stdout(`${name} is running already; see core jobs history ${name}\n`);
          return io.fail(1);
        }
        await scheduler.settle(name);
        const run = (await store.history(name, 5)).find((r) => r.id === id)!;
        io.stdout(`${describeRun(run)}\n`);
        if (run.state !== 'succeeded') io.fail(1);
      }),
    );

  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    command
      .command(`${verb} <job>`)
      .description(`${paused ? 'Stop' : 'Resume'} scheduling a job on every replica.`)
      .action((name: string) =>
        withScheduler(async (scheduler, store) => {
          if (!(await scheduler.status()).some((j) => j.name === name)) throw new Error(`no job "${name}"`);
          await store.setPaused(name, paused);
          io.stdout(`${name} ${paused ? 'paused' : 'resumed'}\n`);
        }),
      );
  }
  return command;
}
