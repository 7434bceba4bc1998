import type { Repository } from '../repository/repository';
import { restoreRedis } from '../sources/redis/restore-redis';
import type { DrillRecord } from './drill-record';
import { fileDrill } from './file-drill';

/** A restore drill for Redis: the newest snapshot's RDB restored to a scratch folder, checked with `redis-check-rdb`, recorded. */
export function drillRedis(repository: Repository, options: { identity?: string; signal?: AbortSignal } = {}): Promise<DrillRecord> {
  return fileDrill(
    repository,
    'redis',
    options.identity,
    async (snapshot, folder) => (await restoreRedis(repository, snapshot.id, folder, options.signal ? { signal: options.signal } : {})).path,
    () => Promise.resolve(),
  );
}
