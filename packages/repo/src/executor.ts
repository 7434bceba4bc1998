import type { Dialect } from './dialect';
import type { CallOptions } from './endpoint';
import type { SqlConnection } from './sql-connection';

/** Where a repository's statements run: the routed database, or one transaction's connection. */
export interface Executor {
  readonly dialect: Dialect;
  /** A read: may go to a replica outside a transaction; retried after connection failures. */
  read<T>(fn: (connection: SqlConnection) => Promise<T>, options?: CallOptions): Promise<T>;
  /** A write: always the primary (or the transaction); starts the read-your-writes window. */
  write<T>(fn: (connection: SqlConnection) => Promise<T>, options?: CallOptions): Promise<T>;
  /** Runs `fn` in a transaction (a savepoint when already inside one). */
  transaction<T>(fn: (connection: SqlConnection, executor: Executor) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** Options of a transaction. */
export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Deadline of the whole transaction, ms. */
  timeoutMs?: number;
  /** Retries of the whole transaction after a serialization failure or deadlock (default 3). */
  retries?: number;
  /** Statements to run right after BEGIN (lock timeouts). */
  preamble?: string[];
  /** Longest wait for the connection where it is the lock (SQLite). */
  acquireWaitMs?: number;
}
