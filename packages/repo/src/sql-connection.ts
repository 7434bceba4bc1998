import type { Expiry } from './deadline-clock';

/** One checked-out connection, whatever the driver: parameterised queries only. */
export interface SqlConnection {
  /** Runs one statement; `name` asks the driver to keep it prepared (PostgreSQL). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<R[]>;
  /** Server process id (PostgreSQL), for cancelling; undefined where there is none. */
  readonly pid: number | undefined;
  /** Streams CSV into `COPY … FROM STDIN` (PostgreSQL); undefined where there is no COPY. */
  copyFrom?(sql: string, csv: AsyncIterable<string>): Promise<void>;
  /** Makes the server itself stop statements after `ms` (PostgreSQL `statement_timeout`); undefined when already set. */
  setStatementTimeout?(ms: number): Promise<void> | undefined;
  /** Drops the connection at once, failing whatever runs on it (a network that stopped answering). */
  destroy?(): void;
}

/** What a database endpoint lends out: connections, and how full its pool is. */
export interface ConnectionSource {
  /**
   * Checks out a connection (waiting up to the acquire timeout, or `waitMs`, and never past `expiry`).
   * `release(broken)` must be called.
   */
  acquire(waitMs?: number, expiry?: Expiry): Promise<{ connection: SqlConnection; release(broken?: boolean): void }>;
  /** Cancels the statement running on the backend with this pid, giving up after `withinMs`. */
  cancel(pid: number, withinMs: number): Promise<void>;
  stats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}
