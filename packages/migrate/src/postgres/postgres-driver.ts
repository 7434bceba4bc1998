import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { HeldLock, HistoryWriter, LockOptions, MigrationDriver, UnitOptions, Work } from '../driver';
import { MigrationDatabaseUnavailableError, MigrationLockedError, MigrationLockLostError } from '../errors';
import type { HistoryRow, MigrationContext } from '../migration';
import type { SchemaSnapshot } from '../schema-snapshot';

/** Options of the PostgreSQL driver. */
export interface PostgresDriverOptions {
  /** Connection string of the database to migrate. */
  connectionString: string;
  /** Schema to migrate (created when missing, made the `search_path`; default: the connection's current schema). */
  schema?: string;
  /** History table name (default `core_migrations`). */
  table?: string;
  /** Longest wait for a connection to be established, ms (default 10,000). */
  connectTimeoutMs?: number;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** True for a failure of the connection rather than of a statement. */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return CONNECTION_CODES.has(e?.code ?? '') || /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|Client was closed/i.test(e?.message ?? '');
}

/** A connection failure as this package's typed error (a statement's own error passes through). */
function unavailable(error: unknown): unknown {
  if (!isConnectionError(error)) return error;
  return new MigrationDatabaseUnavailableError(`PostgreSQL is unavailable: ${(error as Error).message}; check that it runs and is reachable`, { cause: error });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * PostgreSQL: history in a table of the migrated schema, a session-level advisory lock held on a
 * dedicated connection, each migration in its own transaction, dry runs rolled back.
 */
export class PostgresDriver implements MigrationDriver {
  readonly dialect = 'postgres' as const;
  readonly #options: PostgresDriverOptions;
  readonly #table: string;
  #client: pg.Client | undefined;

  constructor(options: PostgresDriverOptions) {
    for (const [what, value] of [['schema', options.schema], ['table', options.table]] as const) {
      if (value !== undefined && !IDENT.test(value)) throw new RangeError(`${what} must be a plain SQL identifier, got "${value}"`);
    }
    this.#options = options;
    this.#table = options.table ?? 'core_migrations';
  }

  /**
   * A new client bounded by the connect timeout, with an `'error'` listener (a terminated idle
   * connection would otherwise crash the process); `onLost` runs when its session ends.
   */
  async #open(onLost?: (error?: Error) => void): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#options.connectionString, connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 10_000 });
    client.on('error', (error) => onLost?.(error));
    client.on('end', () => onLost?.());
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw unavailable(error);
    }
    return client;
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const holder: { client?: pg.Client } = {};
    const client = await this.#open(() => {
      if (holder.client !== undefined && this.#client === holder.client) this.#client = undefined; // the next call reconnects
    });
    holder.client = client;
    if (this.#options.schema) {
      // The schema a run migrates into is created when missing (as Flyway does), not a raw "does not exist".
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#options.schema}"`).catch((error: unknown) => Promise.reject(unavailable(error)));
      await client.query(`SET search_path TO "${this.#options.schema}"`).catch((error: unknown) => Promise.reject(unavailable(error)));
    }
    this.#client = client;
    return client;
  }

  /** Runs `fn` on the connection, connection failures typed. */
  async #on<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await fn(client);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async ensureHistory(): Promise<void> {
    await this.#on(async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS "${this.#table}" (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        execution_ms integer NOT NULL,
        kind text NOT NULL DEFAULT 'applied' CHECK (kind IN ('applied', 'baseline', 'failed'))
      )`);
      // Tables made before failures were recorded take 'failed' too.
      await client.query(`DO $$
        DECLARE c text;
        BEGIN
          SELECT conname INTO c FROM pg_constraint
            WHERE conrelid = to_regclass(quote_ident('${this.#table}')) AND contype = 'c'
              AND pg_get_constraintdef(oid) LIKE '%kind%' AND pg_get_constraintdef(oid) NOT LIKE '%failed%';
          IF c IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', '${this.#table}', c);
            EXECUTE format('ALTER TABLE %I ADD CHECK (kind IN (''applied'', ''baseline'', ''failed''))', '${this.#table}');
          END IF;
        END $$`);
    });
  }

  isLockTimeout(error: unknown): boolean {
    let e: unknown = error;
    for (let depth = 0; e && depth < 4; depth++, e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === '55P03') return true;
    return false;
  }

  async recordFailure(row: { name: string; checksum: string; executionMs: number }): Promise<void> {
    await this.#on((client) =>
      client.query(
        `INSERT INTO "${this.#table}" (name, checksum, execution_ms, kind) VALUES ($1, $2, $3, 'failed')
         ON CONFLICT (name) DO UPDATE SET kind = 'failed', checksum = EXCLUDED.checksum, applied_at = now()`,
        [row.name, row.checksum, row.executionMs],
      ),
    );
  }

  async readHistory(): Promise<HistoryRow[]> {
    const { rows } = await this.#on((client) => client.query<{ name: string; checksum: string; applied_at: Date; execution_ms: number; kind: HistoryRow['kind'] }>(
      `SELECT name, checksum, applied_at, execution_ms, kind FROM "${this.#table}" ORDER BY name`,
    ));
    return rows.map((r) => ({ name: r.name, checksum: r.checksum, appliedAt: r.applied_at, executionMs: r.execution_ms, kind: r.kind }));
  }

  async withLock<T>(options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    const key = await this.#lockKey();
    // A dedicated connection: the lock lives exactly as long as this session, whatever the work does.
    let lost: string | undefined;
    const lock = await this.#open((error) => (lost ??= error ? error.message : 'its session ended'));
    const held: HeldLock = {
      assertHeld: async () => {
        if (lost === undefined) await lock.query('SELECT 1').catch((error: Error) => (lost ??= error.message));
        if (lost !== undefined) throw new MigrationLockLostError(`advisory lock ${key}: ${lost}`);
      },
    };
    try {
      const deadline = Date.now() + (options.wait ? options.timeoutMs : 0);
      let delay = 25;
      for (;;) {
        const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
        if (rows[0]!.locked) break;
        if (Date.now() >= deadline) {
          const holder = await lock
            .query<{ pid: number }>(
              `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND (classid::bigint << 32 | objid::bigint) = $1::bigint`,
              [key],
            )
            .then((r) => r.rows[0]?.pid, () => undefined);
          throw new MigrationLockedError(
            `advisory lock ${key} held by backend pid ${holder ?? 'unknown'}${options.wait ? `, waited ${options.timeoutMs} ms` : ''}`,
          );
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 500);
      }
      try {
        return await fn(held);
      } finally {
        // A lost session released the lock with it.
        if (lost === undefined) await lock.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
      }
    } finally {
      await lock.end().catch(() => undefined);
    }
  }

  /** One lock per database, schema and history table: migrations of other schemas do not wait. */
  async #lockKey(): Promise<string> {
    const { rows } = await this.#on((client) => client.query<{ db: string; schema: string }>('SELECT current_database() AS db, current_schema() AS schema'));
    const digest = createHash('sha256').update(`core-migrate:${rows[0]!.db}:${rows[0]!.schema}:${this.#table}`).digest();
    return digest.readBigInt64BE(0).toString();
  }

  /**
   * One migration's unit of work, its statements bounded by `lock_timeout`: a DDL statement that cannot
   * get its table lock gives up (55P03) instead of queueing — and making every other session on that
   * table queue behind it — for as long as the transaction in its way runs.
   */
  async unitOfWork(options: UnitOptions, fn: (work: Work) => Promise<void>): Promise<void> {
    const client = await this.#connect();
    const lockTimeout = options.lockTimeoutMs === undefined ? undefined : Math.max(1, Math.round(options.lockTimeoutMs));
    if (!options.transaction) {
      if (lockTimeout !== undefined) await client.query(`SET lock_timeout = ${lockTimeout}`).catch((e: unknown) => Promise.reject(unavailable(e)));
      try {
        return await fn(this.#work(client));
      } finally {
        if (lockTimeout !== undefined) await client.query('RESET lock_timeout').catch(() => undefined);
      }
    }
    await client.query('BEGIN').catch((e: unknown) => Promise.reject(unavailable(e)));
    try {
      if (lockTimeout !== undefined) await client.query(`SET LOCAL lock_timeout = ${lockTimeout}`);
      await fn(this.#work(client));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw unavailable(error);
    }
  }

  async rehearse(fn: (work: Work) => Promise<void>, record: (sql: string) => void): Promise<void> {
    const client = await this.#connect();
    await client.query('BEGIN');
    try {
      await fn(this.#work(client, record));
    } finally {
      await client.query('ROLLBACK');
    }
  }

  #work(client: pg.Client, record?: (sql: string) => void): Work {
    const table = this.#table;
    const context: MigrationContext = {
      dialect: 'postgres',
      async execute(sql, params) {
        record?.(sql);
        await client.query(sql, params as unknown[] | undefined);
      },
      async query<R extends Record<string, unknown>>(sql: string, params?: unknown[]) {
        record?.(sql);
        return (await client.query<R>(sql, params)).rows;
      },
    };
    const history: HistoryWriter = {
      async insert(row) {
        await client.query(`INSERT INTO "${table}" (name, checksum, execution_ms, kind) VALUES ($1, $2, $3, $4)`, [
          row.name, row.checksum, row.executionMs, row.kind,
        ]);
      },
      async remove(name) {
        await client.query(`DELETE FROM "${table}" WHERE name = $1`, [name]);
      },
      async updateChecksum(name, sum) {
        await client.query(`UPDATE "${table}" SET checksum = $2 WHERE name = $1`, [name, sum]);
      },
    };
    return { context, history };
  }

  async snapshot(): Promise<SchemaSnapshot> {
    const client = await this.#connect();
    const q = async (sql: string) =>
      (await client.query<{ line: string }>(sql, [this.#table])).rows.map((r) => r.line).sort();
    return {
      tables: await q(`SELECT table_name || ' ' || table_type AS line FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name <> $1`),
      columns: await q(`SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
          || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || coalesce(' default ' || column_default, '') AS line
        FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> $1`),
      indexes: await q(`SELECT tablename || ': ' || replace(indexdef, ' ' || quote_ident(schemaname) || '.', ' ') AS line
        FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> $1`),
      constraints: await q(`SELECT rel.relname || ': ' || con.conname || ' ' || pg_get_constraintdef(con.oid) AS line
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace
        WHERE ns.nspname = current_schema() AND rel.relname <> $1`),
    };
  }

  async scratch(): Promise<{ driver: MigrationDriver; drop(): Promise<void> }> {
    const client = await this.#connect();
    const schema = `core_verify_${randomBytes(4).toString('hex')}`;
    await client.query(`CREATE SCHEMA "${schema}"`);
    const driver = new PostgresDriver({ ...this.#options, schema });
    return {
      driver,
      drop: async () => {
        await driver.close();
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      },
    };
  }

  /** Closes the connection (idempotent). */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
