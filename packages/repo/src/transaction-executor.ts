import type { Dialect } from './dialect';
import type { CallOptions } from './endpoint';
import type { Executor, TransactionOptions } from './executor';
import type { SqlConnection } from './sql-connection';

/**
 * Statements inside one transaction, on its connection. A nested `transaction` is a savepoint:
 * its failure rolls back to the savepoint and rethrows, leaving the outer transaction usable.
 */
export class TransactionExecutor implements Executor {
  readonly dialect: Dialect;
  readonly #connection: SqlConnection;
  #depth = 0;

  constructor(connection: SqlConnection, dialect: Dialect) {
    this.#connection = connection;
    this.dialect = dialect;
  }

  /** BEGIN (with isolation and preamble), `fn`, COMMIT; ROLLBACK on any error. */
  async run<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T> {
    await this.#connection.query(this.dialect.begin(options.isolation));
    try {
      const timeout = options.timeoutMs === undefined ? undefined : this.dialect.statementTimeout(options.timeoutMs);
      if (timeout) await this.#connection.query(timeout);
      for (const statement of options.preamble ?? []) await this.#connection.query(statement);
      const result = await fn();
      await this.#connection.query('COMMIT');
      return result;
    } catch (error) {
      await this.#connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  read<T>(fn: (connection: SqlConnection) => Promise<T>, _options?: CallOptions): Promise<T> {
    return fn(this.#connection);
  }

  write<T>(fn: (connection: SqlConnection) => Promise<T>, _options?: CallOptions): Promise<T> {
    return fn(this.#connection);
  }

  async transaction<T>(fn: (connection: SqlConnection, executor: Executor) => Promise<T>): Promise<T> {
    const savepoint = `core_sp_${++this.#depth}`;
    await this.#connection.query(`SAVEPOINT ${savepoint}`);
    try {
      const result = await fn(this.#connection, this);
      await this.#connection.query(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      await this.#connection.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
      await this.#connection.query(`RELEASE SAVEPOINT ${savepoint}`).catch(() => undefined);
      throw error;
    } finally {
      this.#depth--;
    }
  }
}
