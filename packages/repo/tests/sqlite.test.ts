import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLogEntity, metricDataEntity } from '../src';
import { sqliteDatabase } from '../src/sqlite';
import { repoConformance } from './conformance';
import { AccountEntity } from './entities';

repoConformance('SQLite (better-sqlite3, file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'core-repo-'));
  const db = await sqliteDatabase({ file: join(dir, 'test.sqlite'), entities: [AccountEntity, auditLogEntity('sqlite'), metricDataEntity('sqlite')], synchronize: true, busyTimeoutMs: 200 });
  return {
    db,
    async dispose() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
