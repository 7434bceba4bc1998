import Database from 'better-sqlite3';
import pg from 'pg';

/** The least the run store needs of a database: `?` placeholders, rows back, a row count. */
export interface SqlClient {
  readonly dialect: 'sqlite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  close(): Promise<void>;
}

/** SQLite through better-sqlite3 (development: one process). */
export function sqliteClient(file: string): SqlClient {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return {
    dialect: 'sqlite',
    query: async <T>(sql: string, params: unknown[] = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) {
        const rows = statement.all(...params) as T[];
        return { rows, rowCount: rows.length };
      }
      const info = statement.run(...params);
      return { rows: [] as T[], rowCount: info.changes };
    },
    close: async () => void db.close(),
  };
}

/** PostgreSQL through a small pg pool; every statement has a deadline (statement_timeout, connect timeout). */
export function postgresClient(url: string): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5_000, statement_timeout: 10_000, query_timeout: 12_000, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle client dropped by the server: the next query reconnects
  return {
    dialect: 'postgres',
    query: async <T>(sql: string, params: unknown[] = []) => {
      let n = 0;
      const result = await pool.query(sql.replace(/\?/g, () => `$${++n}`), params);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    close: () => pool.end(),
  };
}
