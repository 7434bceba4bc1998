import type { Lifecycle, LifecycleProgress, PolicyPlan, PolicyResult } from '@core/lifecycle';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import type { Config } from '../config/config';
import { lifecycleFor } from '../lifecycle-for';

/** Output, progress stream and exit status of a lifecycle subcommand. */
export interface LifecycleIo {
  stdout(text: string): void;
  progress: NodeJS.WritableStream;
  fail(code: number): void;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** One line per planned policy: what it reaches, the key range, the indexes, the batches, its warnings. */
function describePlan(plan: PolicyPlan): string {
  if (plan.kind === 'objects') return `${plan.policy.padEnd(24)} objects under ${plan.prefix || '(all)'}: ${plan.objects} listed, ${plan.expire.objects} expire, ${plan.transitions.map((t) => `${t.objects} → ${t.storageClass}`).join(', ') || 'no transitions'}${plan.skipped.length ? `  (${plan.skipped.join('; ')})` : ''}`;
  if (plan.kind === 'partitions') return `${plan.policy.padEnd(24)} ${plan.action} ${plan.partitions.length} partition(s) of ${plan.table} older than ${plan.cutoff}: ${plan.partitions.map((p) => p.name).join(', ') || 'none'}${plan.kept.map((k) => `\n${' '.repeat(26)}kept ${k.name}: ${k.reason}`).join('')}`;
  const range = plan.keyRange ? `keys ${JSON.stringify(plan.keyRange.first)}…${JSON.stringify(plan.keyRange.last)}` : 'no rows';
  return `${plan.policy.padEnd(24)} ${plan.action} ${plan.rows} row(s) of ${plan.table} older than ${plan.cutoff}; ${range}; index ${plan.index.ageIndex ?? 'none'} (batches use ${plan.index.batchIndex ?? 'a scan'}); ~${plan.estimatedBatches} batch(es)${plan.resumes ? `; resumes run ${plan.resumes}` : ''}${plan.warnings.map((w) => `\n${' '.repeat(26)}warning: ${w}`).join('')}`;
}

/** One line per policy run. */
function describeResult(result: PolicyResult): string {
  if (result.kind === 'objects') return `${result.policy.padEnd(24)} expired ${result.expired} object(s), moved ${result.transitioned}, in ${result.durationMs} ms`;
  if (result.kind === 'partitions') return `${result.policy.padEnd(24)} detached ${result.detached.length}, dropped ${result.dropped.length}, archived ${result.rowsArchived} row(s), in ${result.durationMs} ms`;
  return `${result.policy.padEnd(24)} archived ${result.rowsArchived}, deleted ${result.rowsDeleted} row(s) in ${result.batches} batch(es), ${result.durationMs} ms${result.resumed ? ' (resumed an unfinished run)' : ''}${result.lockTimeouts ? `, ${result.lockTimeouts} lock timeout(s)` : ''}`;
}

/** `core lifecycle plan|run|status|erase`: the profile's retention policies (@core/lifecycle), from the config file. */
export function lifecycleCommand(loadConfig: () => Config, io: LifecycleIo): Command {
  const command = new Command('lifecycle').description('Retention and archival policies (@core/lifecycle) of the config file: plan, run, status, erase.');
  const withLifecycle = async <T>(fn: (lifecycle: Lifecycle) => Promise<T>): Promise<T> => {
    const lifecycle = lifecycleFor(loadConfig());
    try {
      return await fn(lifecycle);
    } finally {
      await lifecycle.close();
    }
  };
  command
    .command('plan')
    .description('What each policy would do (the dry run): rows, key range, indexes, batches; nothing is written.')
    .option('--policy <name>', 'only this policy (repeatable)', collect)
    .option('--json', 'print the plans as JSON')
    .action((opts: { policy?: string[]; json?: boolean }) =>
      withLifecycle(async (lifecycle) => {
        const plans = await lifecycle.plan(opts.policy ? { policies: opts.policy } : {});
        io.stdout(opts.json ? `${JSON.stringify(plans, null, 2)}\n` : plans.map((p) => `${describePlan(p)}\n`).join('') || 'no lifecycle policies are configured\n');
      }),
    );
  command
    .command('run')
    .description('Run the policies now (archive, verify, delete in batches), with a progress bar per policy; --dry-run plans only.')
    .option('--policy <name>', 'only this policy (repeatable)', collect)
    .option('--dry-run', 'plan only, the same as `core lifecycle plan`')
    .option('--json', 'print the results as JSON')
    .action((opts: { policy?: string[]; dryRun?: boolean; json?: boolean }) =>
      withLifecycle(async (lifecycle) => {
        const selection = opts.policy ? { policies: opts.policy } : {};
        if (opts.dryRun) {
          const plans = await lifecycle.plan(selection);
          io.stdout(opts.json ? `${JSON.stringify(plans, null, 2)}\n` : plans.map((p) => `${describePlan(p)}\n`).join(''));
          return;
        }
        const bars = new Map<string, SingleBar>();
        const onProgress = (p: LifecycleProgress) => {
          let bar = bars.get(p.policy);
          if (!bar) {
            bar = new SingleBar({ format: `${p.policy} [{bar}] {value}/{total} rows  {rate} rows/s  eta {eta_formatted}`, stream: io.progress, noTTYOutput: true, notTTYSchedule: 1000, hideCursor: true });
            bar.start(p.total ?? 0, 0, { rate: 0 });
            bars.set(p.policy, bar);
          }
          if (p.total !== undefined && p.total !== bar.getTotal()) bar.setTotal(p.total);
          bar.update(Math.max(p.rowsDeleted, p.rowsArchived), { rate: Math.round(p.rate) });
          if (p.phase === 'done') bar.stop();
        };
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const results = await lifecycle.run({ ...selection, signal: abort.signal, onProgress });
          for (const bar of bars.values()) bar.stop();
          io.stdout(opts.json ? `${JSON.stringify(results, null, 2)}\n` : results.map((r) => `${describeResult(r)}\n`).join(''));
        } finally {
          for (const bar of bars.values()) bar.stop();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
  command
    .command('status [policy]')
    .description('The newest runs from the ledger: status, rows archived and deleted, batches, error.')
    .option('-n, --limit <n>', 'how many', Number, 20)
    .action((policy: string | undefined, opts: { limit: number }) =>
      withLifecycle(async (lifecycle) => {
        for (const run of await lifecycle.history(policy, opts.limit)) {
          io.stdout(`${run.startedAt}  ${run.policy.padEnd(24)} ${run.status.padEnd(11)} archived ${String(run.rowsArchived).padStart(9)}  deleted ${String(run.rowsDeleted).padStart(9)}  ${String(run.batches).padStart(5)} batch(es)${run.error ? `  ${run.error}` : ''}\n`);
        }
      }),
    );
  command
    .command('erase <subject>')
    .description('Delete every row of one subject from the tables of lifecycle.erasure (one transaction) and print the receipt.')
    .option('--dry-run', 'count only')
    .action((subject: string, opts: { dryRun?: boolean }) =>
      withLifecycle(async (lifecycle) => {
        const receipt = await lifecycle.erase(subject, { dryRun: opts.dryRun ?? false });
        io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
      }),
    );
  return command;
}
