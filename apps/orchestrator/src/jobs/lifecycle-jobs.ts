import { parsePolicies } from '@core/lifecycle';
import type { Lifecycle, PolicyResult } from '@core/lifecycle';
import type { Config } from '../config/config';
import { lifecyclePolicies } from '../lifecycle-for';
import type { JobDefinition } from '../scheduler/job';

/** The numbers a run's history keeps of one policy's result. */
function summary(result: PolicyResult): Record<string, unknown> {
  if (result.kind === 'objects') return { objects: result.objects, expired: result.expired, transitioned: result.transitioned };
  if (result.kind === 'partitions') return { detached: result.detached.length, dropped: result.dropped.length, rowsArchived: result.rowsArchived };
  return { rowsArchived: result.rowsArchived, rowsDeleted: result.rowsDeleted, batches: result.batches, resumed: result.resumed, lockTimeouts: result.lockTimeouts };
}

/**
 * One job per lifecycle policy (`lifecycle-<name>`), on `lifecycle.schedule` (weekly, Sunday 03:00, as the
 * seed's cleanup) unless `jobs.lifecycle-<name>` says otherwise. A cancelled run (SIGTERM) stops between
 * batches and the next occurrence resumes it from the ledger. Development's built-in policy also runs once
 * right after the first start, so the dashboard shows a lifecycle run.
 */
export function lifecycleJobs(config: Config, lifecycle: () => Lifecycle): JobDefinition[] {
  const section = config.file.lifecycle;
  // Names come from the (validated) policies: listing jobs opens no database.
  return parsePolicies(lifecyclePolicies(config)).map((policy) => ({
    name: `lifecycle-${policy.name}`,
    schedule: section?.schedule ?? '0 3 * * 0',
    ...(section?.timezone ? { timezone: section.timezone } : {}),
    runOnStartIfNever: !section,
    timeoutMs: 6 * 3_600_000,
    run: async ({ signal, progress }) => {
      const [result] = await lifecycle().run({ policies: [policy.name], signal, onProgress: (p) => progress({ ...p }) });
      return summary(result!);
    },
  }));
}
