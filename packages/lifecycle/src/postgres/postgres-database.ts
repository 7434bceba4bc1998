import pg from 'pg';
import type { ColumnInfo, FailureKind, LifecycleDatabase, PartitionInfo, SqlRunner, TableInfo, TransactionOptions } from '../database/database';
import { LifecycleUnavailableError } from '../errors';

/** Options of `postgresDatabase`. */
export interface PostgresDatabaseOptions {
  /** Connection string (a pool of `maxConnections` is opened and closed by `close()`), or an existing pool (left open). */
  connection: string | pg.Pool;
  /** Connections of the pool this opens (default 3). */
  maxConnections?: number;
  /** Longest wait for a connection, ms (default 10,000). */
  connectTimeoutMs?: number;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** True for a failure of the connection rather than of a statement. */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return CONNECTION_CODES.has(e?.code ?? '') || /Connection terminated|connection timeout|timeout exceeded|Query read timeout|Client has encountered a connection error|Client was closed/i.test(e?.message ?? '');
}

/** A connection failure as this package's typed error; a statement's own error passes through. */
function unavailable(error: unknown): unknown {
  if (!isConnectionError(error)) return error;
  return new LifecycleUnavailableError(`PostgreSQL is unavailable: ${(error as Error).message}; check that it runs and is reachable`, { cause: error });
}

/** Every `Index Name` in an EXPLAIN (FORMAT JSON) plan, outermost first. */
function indexNames(plan: unknown, into: string[] = []): string[] {
  if (Array.isArray(plan)) plan.forEach((p) => indexNames(p, into));
  else if (plan && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    if (typeof node['Index Name'] === 'string') into.push(node['Index Name']);
    for (const value of Object.values(node)) if (typeof value === 'object') indexNames(value, into);
  }
  return into;
}

/** PostgreSQL through `pg`: every transaction sets its own `lock_timeout` and `statement_timeout`, and a client-side deadline backs them. */
class PostgresDatabase implements LifecycleDatabase {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  #closed = false;

  constructor(options: PostgresDatabaseOptions) {
    this.#owned = typeof options.connection === 'string';
    this.#pool =
      typeof options.connection === 'string'
        ? new pg.Pool({ connectionString: options.connection, max: options.maxConnections ?? 3, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, idleTimeoutMillis: 10_000 })
        : options.connection;
    // An idle connection the server terminates emits here; without a listener it would crash the process.
    if (this.#owned) this.#pool.on('error', () => undefined);
  }

  placeholder(index: number, type?: string): string {
    return type ? `$${index}::${type}` : `$${index}`;
  }

  exact(column: string): string {
    return `${column}::text`;
  }

  rowJson(alias: string): string {
    return `row_to_json(${alias})::text`;
  }

  rowDigest(alias: string): string {
    return `md5(row_to_json(${alias})::text)`;
  }

  async transaction<T>(options: TransactionOptions, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    let broken = false;
    // The server's statement_timeout is the deadline; this one catches a stalled network, where the server never answers.
    const deadline = options.statementTimeoutMs + 5_000;
    const tx: SqlRunner = {
      query: async <Row>(sql: string, params: unknown[] = []) => {
        try {
          return (await client.query({ text: sql, values: params, query_timeout: deadline } as pg.QueryConfig)).rows as Row[];
        } catch (error) {
          if (isConnectionError(error)) broken = true;
          throw unavailable(error);
        }
      },
    };
    try {
      await tx.query('BEGIN');
      await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`);
      await tx.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(options.statementTimeoutMs))}`);
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async describe(table: string): Promise<TableInfo | undefined> {
    const options = { lockTimeoutMs: 2_000, statementTimeoutMs: 10_000 };
    return this.transaction(options, async (tx) => {
      const [rel] = await tx.query<{ oid: number; relkind: string }>(`SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')`, [table]);
      if (!rel) return undefined;
      const columns = await tx.query<ColumnInfo>(
        `SELECT attname::text AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [rel.oid],
      );
      const indexes = await tx.query<{ name: string; columns: Array<string | null>; primary: boolean }>(
        `SELECT ic.relname::text AS name, i.indisprimary AS primary,
                array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
          WHERE i.indrelid = $1 AND i.indisvalid ORDER BY ic.relname`,
        [rel.oid],
      );
      return {
        name: table,
        columns,
        primaryKey: (indexes.find((i) => i.primary)?.columns ?? []).filter((c): c is string => c !== null),
        indexes: indexes.map(({ name, columns: cols }) => ({ name, columns: cols })),
        partitioned: rel.relkind === 'p',
      };
    });
  }

  async plannedIndex(sql: string, params: unknown[], options: TransactionOptions): Promise<string | undefined> {
    const [row] = await this.transaction(options, (tx) => tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params));
    return indexNames(row?.['QUERY PLAN']).at(0);
  }

  failureOf(error: unknown): FailureKind | undefined {
    if (error instanceof LifecycleUnavailableError) return 'unavailable';
    const code = (error as { code?: string } | undefined)?.code;
    if (code === '55P03' || code === '40P01') return 'lock-timeout';
    if (code === '57014') return 'statement-timeout';
    return undefined;
  }

  async replicationLagMs(): Promise<number | undefined> {
    const [row] = await this.transaction({ lockTimeoutMs: 1_000, statementTimeoutMs: 5_000 }, (tx) =>
      tx.query<{ lag: number | null; n: string }>(`SELECT max(extract(epoch FROM coalesce(replay_lag, interval '0')) * 1000)::float8 AS lag, count(*) AS n FROM pg_stat_replication`),
    );
    return row && Number(row.n) > 0 ? (row.lag ?? 0) : undefined;
  }

  async partitions(table: string): Promise<PartitionInfo[]> {
    return this.transaction({ lockTimeoutMs: 2_000, statementTimeoutMs: 10_000 }, async (tx) => {
      const rows = await tx.query<{ name: string; bound: string }>(
        `SELECT n.nspname || '.' || c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
        [table],
      );
      const out: PartitionInfo[] = [];
      for (const row of rows) {
        const upper = / TO \((.+)\)$/.exec(row.bound)?.[1];
        let upperBound: Date | undefined;
        if (upper && upper !== 'MAXVALUE' && /^'[^']*'$/.test(upper)) {
          const [cast] = await tx.query<{ at: Date }>(`SELECT $1::timestamptz AS at`, [upper.slice(1, -1)]);
          upperBound = cast?.at;
        }
        out.push({ name: row.name, upperBound, isDefault: row.bound === 'DEFAULT' });
      }
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#pool.end();
  }
}

/** The lifecycle's view of a PostgreSQL database (12 or newer). */
export function postgresDatabase(options: PostgresDatabaseOptions): LifecycleDatabase {
  return new PostgresDatabase(options);
}
