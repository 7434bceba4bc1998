import { backup, forget, prune, verify } from '@core/backup';
import type { RetentionPolicy } from '@core/backup';
import { VectorCollectionSource } from '@core/backup/vector';
import type { Lifecycle } from '@core/lifecycle';
import type { VectorStore } from '@core/vector';
import { openBackupRepository } from '../backup-repository-for';
import type { Config } from '../config/config';
import type { ConfigFile } from '../config/config-file';
import type { JobDefinition } from '../scheduler/job';
import { runBackupJob } from './backup-job';
import { runDrillJob } from './drill-job';
import { lifecycleJobs } from './lifecycle-jobs';
import { runPgBaseJob } from './pg-base-job';

/** The seeds' retention: daily 7, weekly 4, monthly 12, yearly 5 (restic forget semantics). */
export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12, yearly: 5 };

/** What the profile's jobs reach at run time (the running components). */
export interface JobDependencies {
  /** The vector store the service runs (its embedded index holds the write lock, so backups read through it). */
  vectors: () => VectorStore;
  /** The profile's lifecycle (policies from the config file, or development's built-in one). */
  lifecycle: () => Lifecycle;
}

/**
 * The jobs `core serve` runs on every profile: a backup of the database (SQLite file or pg_dump) and of
 * every vector collection — each right after start when it never ran, then nightly — with retention and
 * prune after each, a weekly verify that reads a tenth of the packs, a weekly restore drill, PostgreSQL
 * base backups with point-in-time retention when `backups.postgres.baseBackups` is on, the vector TTL sweep,
 * and one job per lifecycle policy.
 */
export function profileJobs(config: Config, deps: JobDependencies): JobDefinition[] {
  const retention = config.file.backups.retention ?? DEFAULT_RETENTION;
  return withOverrides(config, [
    ...builtInJobs(config, deps, retention),
    ...config.file.backups.sources.map((source) => sourceJob(config, source, retention)),
    ...lifecycleJobs(config, deps.lifecycle),
  ]);
}

/** Applies `jobs.<name>` of the config file: schedule, zone, missed-run policy, timeout, retries, enabled. */
function withOverrides(config: Config, jobs: JobDefinition[]): JobDefinition[] {
  return jobs.flatMap((job) => {
    const o = config.file.jobs[job.name];
    if (!o) return [job];
    if (o.enabled === false) return [];
    return [
      {
        ...job,
        ...(o.schedule ? { schedule: o.schedule } : {}),
        ...(o.timezone ? { timezone: o.timezone } : {}),
        ...(o.missed ? { missed: o.missed } : {}),
        ...(o.catchUpWithin ? { catchUpWithinMs: o.catchUpWithin } : {}),
        ...(o.timeout ? { timeoutMs: o.timeout } : {}),
        ...(o.retries !== undefined ? { retries: o.retries } : {}),
        ...(o.retryBackoff ? { retryBackoffMs: o.retryBackoff } : {}),
      },
    ];
  });
}

/** A job for one `backups.sources[]` entry of the config file. */
function sourceJob(config: Config, source: ConfigFile['backups']['sources'][number], retention: RetentionPolicy): JobDefinition {
  const target = 'urlFrom' in source ? process.env[source.urlFrom]! : source.path;
  const filters = source.kind === 'folder' ? { ...(source.include ? { include: source.include } : {}), ...(source.exclude ? { exclude: source.exclude } : {}), ...(source.type ? { type: source.type } : {}) } : {};
  return {
    name: `backup-${source.name}`,
    schedule: source.schedule,
    ...(source.timezone ? { timezone: source.timezone } : {}),
    timeoutMs: 6 * 3_600_000,
    run: async ({ signal, progress }) => {
      const result = await runBackupJob(config, { kind: source.kind, target, ...filters, ...(source.tags ? { tags: source.tags } : {}), retention, prune: true }, { signal, onProgress: (p) => progress({ ...p }) });
      return { snapshot: result.backup.snapshot.id.slice(0, 8), bytesRead: result.backup.snapshot.totals.bytesRead, bytesAdded: result.backup.snapshot.totals.newBytesStored, forgotten: result.forgotten };
    },
  };
}

function builtInJobs(config: Config, deps: JobDependencies, retention: RetentionPolicy): JobDefinition[] {
  const database = config.database.kind === 'sqlite' ? ({ kind: 'sqlite', target: config.database.file } as const) : ({ kind: 'postgres', target: config.database.url } as const);
  const summary = (result: Awaited<ReturnType<typeof runBackupJob>>) => ({
    snapshot: result.backup.snapshot.id.slice(0, 8),
    bytesRead: result.backup.snapshot.totals.bytesRead,
    bytesAdded: result.backup.snapshot.totals.newBytesStored,
    dedupRatio: result.backup.snapshot.totals.dedupRatio,
    forgotten: result.forgotten,
  });
  return [
    {
      name: 'backup-database',
      schedule: '0 2 * * *',
      runOnStartIfNever: true,
      timeoutMs: 6 * 3_600_000,
      run: async ({ signal, progress }) =>
        summary(await runBackupJob(config, { ...database, retention, prune: true }, { signal, onProgress: (p) => progress({ ...p }) })),
    },
    {
      name: 'backup-vectors',
      schedule: '15 2 * * *',
      runOnStartIfNever: true,
      timeoutMs: 6 * 3_600_000,
      run: async ({ signal }) => {
        const repository = await openBackupRepository(config);
        const store = deps.vectors();
        const snapshots: string[] = [];
        for (const name of await store.listCollections()) {
          const source = new VectorCollectionSource(await store.collection(name), `${config.vectors.kind}/${name}`);
          const { snapshot } = await backup(repository, source, { signal });
          await forget(repository, retention, { filter: { kind: 'vector', identity: source.identity } });
          snapshots.push(snapshot.id.slice(0, 8));
        }
        if (snapshots.length > 0) await prune(repository);
        return { collections: snapshots.length, snapshots };
      },
    },
    {
      name: 'backup-verify',
      schedule: '0 4 * * 0',
      timeoutMs: 6 * 3_600_000,
      run: async () => {
        const report = await verify(await openBackupRepository(config), { readData: { percent: 10 } });
        if (!report.ok) throw new Error(`the backup repository has ${report.errors.length} problem(s); first: ${report.errors[0]!.message}`);
        return { packsRead: report.packsRead, bytesRead: report.bytesRead, snapshots: report.snapshots };
      },
    },
    {
      name: 'backup-drill',
      schedule: '0 5 * * 0',
      timeoutMs: 6 * 3_600_000,
      run: ({ signal }) => runDrillJob(config, signal),
    },
    ...(config.file.backups.postgres?.baseBackups
      ? [
          {
            name: 'backup-pg-base',
            schedule: config.file.backups.postgres.schedule,
            ...(config.file.backups.postgres.timezone ? { timezone: config.file.backups.postgres.timezone } : {}),
            runOnStartIfNever: true,
            timeoutMs: 12 * 3_600_000,
            run: ({ signal, progress }) => runPgBaseJob(config, { signal, onProgress: (p) => progress({ ...p }) }),
          } satisfies JobDefinition,
        ]
      : []),
    {
      name: 'vector-ttl-sweep',
      schedule: '*/5 * * * *',
      missed: 'skip',
      timeoutMs: 10 * 60_000,
      run: async () => ({ expired: await deps.vectors().sweep() }),
    },
  ];
}

