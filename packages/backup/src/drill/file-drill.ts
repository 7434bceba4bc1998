import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '../repository/repository';
import type { SnapshotRecord } from '../repository/snapshot';
import { DrillRun } from './drill-record';
import type { DrillRecord } from './drill-record';
import { latestSnapshot } from './latest-snapshot';

/**
 * The shape of the SQLite and Redis drills: restore the newest snapshot of `kind` into a scratch folder
 * (the restore itself runs the integrity check and refuses a copy that fails it), run `checks` on it,
 * remove the folder and record the drill.
 */
export async function fileDrill(
  repository: Repository,
  kind: 'sqlite' | 'redis',
  identity: string | undefined,
  restoreInto: (snapshot: SnapshotRecord, folder: string) => Promise<string>,
  checks: (run: DrillRun, path: string) => Promise<void>,
): Promise<DrillRecord> {
  const run = new DrillRun(repository, kind, { kind, identity: identity ?? 'unknown' });
  const scratch = await mkdtemp(join(tmpdir(), `core-drill-${kind}-`));
  try {
    const snapshot = await latestSnapshot(repository, kind, identity);
    Object.assign(run.source, snapshot.source);
    run.snapshot = snapshot.id;
    const path = await restoreInto(snapshot, scratch);
    run.checks.push({ name: kind === 'sqlite' ? 'PRAGMA integrity_check' : 'redis-check-rdb', ok: true, value: 'ok' });
    run.restored();
    run.newestRestorable = { time: snapshot.time };
    await checks(run, path);
    return await run.finish();
  } catch (error) {
    return await run.finish(error);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
