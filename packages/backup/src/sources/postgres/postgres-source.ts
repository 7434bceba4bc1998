import { toolOutput, runTool } from '../child-output';
import type { BackupSource, OpenedSource } from '../source';
import { folderOf, generatedFile } from '../source';
import { InvalidOptionsError } from '../../errors';

/** Options of a PostgreSQL logical source. */
export interface PostgresSourceOptions {
  /** `postgres://user@host:port/database` of the database to dump (a password in it is passed through the environment, never logged). */
  url: string;
  /** Kill pg_dump when it produces nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Seconds to wait for table locks before failing (pg_dump --lock-wait-timeout, default 30 s). */
  lockWaitTimeoutSeconds?: number;
  /** Path of pg_dump / psql when not on PATH. */
  binDir?: string;
}

/** The dump file's name inside a snapshot. */
export const DUMP_FILE = 'database.dump';

/** Splits a connection URL into a libpq environment (so no secret is on a command line) and a printable identity. */
export function connectionEnv(url: string): { env: Record<string, string>; identity: string; database: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionsError('url must be a postgres:// connection URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new InvalidOptionsError('url must start with postgres:// or postgresql://');
  const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
  const env: Record<string, string> = { PGHOST: parsed.hostname || '127.0.0.1', PGPORT: parsed.port || '5432', PGDATABASE: database, PGCONNECT_TIMEOUT: '10' };
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  return { env, identity: `${env.PGHOST}:${env.PGPORT}/${database}`, database };
}

/** Path of a PostgreSQL client tool. */
export function pgTool(name: string, binDir: string | undefined): string {
  return binDir ? `${binDir.replace(/\/$/, '')}/${name}` : name;
}

/**
 * One database as a `pg_dump` custom-format archive with compression off (`-Z0`): uncompressed, so
 * content-defined chunks of unchanged tables repeat day to day and deduplicate; the repository compresses.
 */
export class PostgresSource implements BackupSource {
  readonly kind = 'postgres';
  readonly identity: string;
  private readonly env: Record<string, string>;

  constructor(private readonly options: PostgresSourceOptions) {
    const { env, identity } = connectionEnv(options.url);
    this.env = env;
    this.identity = identity;
  }

  /** Asks the server its version, then offers the dump as one streamed file. */
  async open(signal?: AbortSignal): Promise<OpenedSource> {
    const version = (await runTool(pgTool('psql', this.options.binDir), ['-XAtqc', 'show server_version'], { env: this.env, idleTimeoutMs: (this.options.idleTimeoutMs ?? 60_000) / 2, ...(signal ? { signal } : {}) })).trim();
    const args = ['--format=custom', '-Z0', `--lock-wait-timeout=${(this.options.lockWaitTimeoutSeconds ?? 30) * 1000}`, '--no-password'];
    const dump = generatedFile(DUMP_FILE, (readSignal) =>
      toolOutput(pgTool('pg_dump', this.options.binDir), args, { env: this.env, idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000, ...(readSignal ? { signal: readSignal } : {}) }),
    );
    return { root: folderOf('', [dump]), versions: { postgres: version }, generated: true, close: () => Promise.resolve() };
  }
}
