import Database from 'better-sqlite3';
import type { HeldLock, HistoryWriter, LockOptions, MigrationDriver, Work } from '../driver';
import { MigrationLockedError } from '../errors';
import type { HistoryRow, MigrationContext } from '../migration';
import type { SchemaSnapshot } from '../schema-snapshot';

/** Options of the SQLite driver. */
export interface SqliteDriverOptions {
  /** Database file (`:memory:` for a throwaway one), or an open better-sqlite3 database you own. */
  database: string | Database.Database;
  /** History table name (default `core_migrations`). */
  table?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * SQLite through better-sqlite3: the lock is an exclusive transaction over the whole run (SQLite's
 * only cross-process lock), and each migration is a savepoint inside it, so a failing migration is
 * undone while the ones before it are kept.
 */
export class SqliteDriver implements MigrationDriver {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #table: string;
  #locked = false;
  #savepoints = 0;

  constructor(options: SqliteDriverOptions) {
    if (options.table !== undefined && !IDENT.test(options.table)) throw new RangeError(`table must be a plain SQL identifier, got "${options.table}"`);
    this.#table = options.table ?? 'core_migrations';
    this.#owned = typeof options.database === 'string';
    this.#db = typeof options.database === 'string' ? new Database(options.database) : options.database;
  }

  async ensureHistory(): Promise<void> {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS "${this.#table}" (
      name TEXT PRIMARY KEY,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      execution_ms INTEGER NOT NULL,
      kind TEXT NOT NULL DEFAULT 'applied' CHECK (kind IN ('applied', 'baseline', 'failed'))
    )`);
  }

  async readHistory(): Promise<HistoryRow[]> {
    const rows = this.#db
      .prepare(`SELECT name, checksum, applied_at, execution_ms, kind FROM "${this.#table}" ORDER BY name`)
      .all() as Array<{ name: string; checksum: string; applied_at: string; execution_ms: number; kind: HistoryRow['kind'] }>;
    return rows.map((r) => ({ name: r.name, checksum: r.checksum, appliedAt: new Date(r.applied_at), executionMs: r.execution_ms, kind: r.kind }));
  }

  async withLock<T>(options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    this.#db.pragma(`busy_timeout = ${options.wait ? Math.max(0, Math.floor(options.timeoutMs)) : 0}`);
    try {
      this.#db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new MigrationLockedError(`the database file is locked by another connection${options.wait ? `, waited ${options.timeoutMs} ms` : ''}`);
      }
      throw error;
    }
    this.#locked = true;
    try {
      // The lock is this connection's own transaction: it cannot be lost without the connection.
      return await fn({ assertHeld: async () => undefined });
    } finally {
      this.#locked = false;
      // Savepoints of failed migrations were rolled back already; what remains is committed.
      this.#db.exec('COMMIT');
    }
  }

  async unitOfWork(_options: { transaction: boolean }, fn: (work: Work) => Promise<void>): Promise<void> {
    // SQLite's DDL is transactional, so every migration gets a savepoint (a transaction outside the lock).
    const name = `core_migrate_${++this.#savepoints}`;
    this.#db.exec(this.#locked ? `SAVEPOINT ${name}` : 'BEGIN IMMEDIATE');
    try {
      await fn(this.#work());
      this.#db.exec(this.#locked ? `RELEASE ${name}` : 'COMMIT');
    } catch (error) {
      this.#db.exec(this.#locked ? `ROLLBACK TO ${name}; RELEASE ${name}` : 'ROLLBACK');
      throw error;
    }
  }

  async rehearse(fn: (work: Work) => Promise<void>, record: (sql: string) => void): Promise<void> {
    this.#db.exec('BEGIN');
    try {
      await fn(this.#work(record));
    } finally {
      this.#db.exec('ROLLBACK');
    }
  }

  #work(record?: (sql: string) => void): Work {
    const db = this.#db;
    const table = this.#table;
    const context: MigrationContext = {
      dialect: 'sqlite',
      async execute(sql, params) {
        record?.(sql);
        if (params && params.length > 0) db.prepare(sql).run(...params);
        else db.exec(sql);
      },
      async query<R extends Record<string, unknown>>(sql: string, params?: unknown[]) {
        record?.(sql);
        return db.prepare(sql).all(...(params ?? [])) as R[];
      },
    };
    const history: HistoryWriter = {
      async insert(row) {
        db.prepare(`INSERT INTO "${table}" (name, checksum, execution_ms, kind) VALUES (?, ?, ?, ?)`).run(row.name, row.checksum, row.executionMs, row.kind);
      },
      async remove(name) {
        db.prepare(`DELETE FROM "${table}" WHERE name = ?`).run(name);
      },
      async updateChecksum(name, sum) {
        db.prepare(`UPDATE "${table}" SET checksum = ? WHERE name = ?`).run(sum, name);
      },
    };
    return { context, history };
  }

  async snapshot(): Promise<SchemaSnapshot> {
    const objects = this.#db
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> ?`)
      .all(this.#table) as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
    const tables = objects.filter((o) => o.type === 'table' || o.type === 'view');
    const columns = tables.flatMap((t) =>
      (this.#db.prepare('SELECT name, type, "notnull" AS nn, dflt_value FROM pragma_table_info(?)').all(t.name) as Array<{
        name: string; type: string; nn: number; dflt_value: string | null;
      }>).map((c) => `${t.name}.${c.name} ${c.type.toLowerCase()}${c.nn ? ' not null' : ''}${c.dflt_value === null ? '' : ` default ${c.dflt_value}`}`),
    );
    return {
      tables: tables.map((t) => `${t.name} ${t.type}`).sort(),
      columns: columns.sort(),
      indexes: objects.filter((o) => o.type === 'index').map((o) => `${o.tbl_name}: ${o.sql ?? `(automatic) ${o.name}`}`).sort(),
      // SQLite keeps constraints in the table definition: compare those.
      constraints: tables.map((t) => `${t.name}: ${(t.sql ?? '').replace(/\s+/g, ' ')}`).sort(),
    };
  }

  async scratch(): Promise<{ driver: MigrationDriver; drop(): Promise<void> }> {
    const driver = new SqliteDriver({ database: ':memory:', table: this.#table });
    return { driver, drop: () => driver.close() };
  }

  async close(): Promise<void> {
    if (this.#owned && this.#db.open) this.#db.close();
  }
}
