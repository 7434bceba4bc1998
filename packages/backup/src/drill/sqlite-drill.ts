import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Repository } from '../repository/repository';
import { restoreSqlite } from '../sources/sqlite/restore-sqlite';
import { runQueryCheck } from './drill-record';
import type { DrillQuery, DrillRecord } from './drill-record';
import { fileDrill } from './file-drill';

/** A restore drill for SQLite: the newest snapshot restored to a scratch file, `PRAGMA integrity_check`ed, the caller's queries run on it, recorded. */
export function drillSqlite(repository: Repository, options: { identity?: string; checks?: DrillQuery[]; signal?: AbortSignal } = {}): Promise<DrillRecord> {
  return fileDrill(
    repository,
    'sqlite',
    options.identity,
    async (snapshot, folder) => (await restoreSqlite(repository, snapshot.id, join(folder, 'restored.db'), options.signal ? { signal: options.signal } : {})).path,
    async (run, path) => {
      const db = new Database(path, { readonly: true });
      try {
        for (const query of options.checks ?? []) await runQueryCheck(run, query, (sql) => Promise.resolve(String(db.prepare(sql).pluck().get() ?? '')));
      } finally {
        db.close();
      }
    },
  );
}
