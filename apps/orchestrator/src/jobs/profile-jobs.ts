import { backup, forget, prune, verify } from '@core/backup';
import type { RetentionPolicy } from '@core/backup';
import { VectorCollectionSource } from '@core/backup/vector';
import type { VectorStore } from '@core/vector';
import { openBackupRepository } from '../backup-repository-for';
import type { Config } from '../config/config';
import type { JobDefinition } from '../scheduler/job';
import { runBackupJob } from './backup-job';

/** The seeds' retention: daily 7, weekly 4, monthly 12, yearly 5 (restic forget semantics). */
export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12, yearly: 5 };

/** What the profile's jobs reach at run time (the running components). */
export interface JobDependencies {
  /** The vector store the service runs (its embedded index holds the write lock, so backups read through it). */
  vectors: () => VectorStore;
}

/**
 * The jobs `core serve` runs on every profile: a backup of the database (SQLite file or pg_dump) and of
 * every vector collection — each right after start when it never ran, then nightly — with retention and
 * prune after each, a weekly verify that reads a tenth of the packs, and the vector TTL sweep.
 */
export function profileJobs(config: Config, deps: JobDependencies): JobDefinition[] {
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
        summary(await runBackupJob(config, { ...database, retention: DEFAULT_RETENTION, prune: true }, { signal, onProgress: (p) => progress({ ...p }) })),
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
          await forget(repository, DEFAULT_RETENTION, { filter: { kind: 'vector', identity: source.identity } });
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
      name: 'vector-ttl-sweep',
      schedule: '*/5 * * * *',
      missed: 'skip',
      timeoutMs: 10 * 60_000,
      run: async () => ({ expired: await deps.vectors().sweep() }),
    },
  ];
}

