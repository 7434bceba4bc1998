import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Endpoint, EndpointStats } from './endpoint';
import type { Executor, TransactionOptions } from './executor';
import type { LeakReport } from './leak-tracker';
import type { ReplicaSet, ReplicaState } from './replica-set';
import { Repository } from './repository';
import { RoutedExecutor, type RoutingOptions, type WriteContext } from './routed-executor';

/** Everything `/readyz` and the monitor want to know. */
export interface DatabaseStats {
  primary: EndpointStats;
  replicas: Array<EndpointStats & ReplicaState>;
}

/** A transaction handle: repositories bound to the transaction, and nested transactions (savepoints). */
export interface Transaction {
  repository<T extends ObjectLiteral>(target: EntityTarget<T>): Repository<T>;
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /** Raw parameterised SQL inside the transaction. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

const closers = new WeakSet<() => Promise<void>>();

/** One close for a database and every session and view of it, however often it is called. */
function closeOnce(replicas: ReplicaSet, onClose: () => Promise<void>): () => Promise<void> {
  if (closers.has(onClose)) return onClose;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await replicas.close();
      await onClose();
    })());
  closers.add(close);
  return close;
}

/**
 * A database: TypeORM's DataSource for entity metadata and schema, a primary endpoint, optional
 * replicas, and routing. `session()` gives a context with its own read-your-writes window; `primary()`
 * a view that reads from the primary only.
 */
export class Database {
  readonly dataSource: DataSource;
  readonly #primary: Endpoint;
  readonly #replicas: ReplicaSet;
  readonly #routing: RoutingOptions;
  readonly #executor: RoutedExecutor;
  readonly #onClose: () => Promise<void>;

  constructor(dataSource: DataSource, primary: Endpoint, replicas: ReplicaSet, routing: RoutingOptions, onClose: () => Promise<void>, context: WriteContext = { lastWriteAt: 0 }) {
    this.dataSource = dataSource;
    this.#primary = primary;
    this.#replicas = replicas;
    this.#routing = routing;
    this.#onClose = closeOnce(replicas, onClose);
    this.#executor = new RoutedExecutor(primary, replicas, context, routing);
  }

  /** `postgres` or `sqlite`. */
  get dialect(): 'postgres' | 'sqlite' {
    return this.#primary.dialect.name;
  }

  /** The repository of an entity (a class or EntitySchema registered with the data source). */
  repository<T extends ObjectLiteral>(target: EntityTarget<T>): Repository<T> {
    return new Repository<T>(this.dataSource, this.dataSource.getMetadata(target), this.#executor);
  }

  /** Runs `fn` in a transaction; retried whole after a serialization failure or deadlock. */
  async transaction<R>(fn: (tx: Transaction) => Promise<R>, options: TransactionOptions = {}): Promise<R> {
    return this.#executor.transaction((_connection, executor) => fn(this.#transactionHandle(executor)), options);
  }

  /** Raw parameterised SQL on the primary (a write, for routing purposes). */
  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = [], options: { timeoutMs?: number } = {}): Promise<R[]> {
    return this.#executor.write((c) => c.query<R>(sql, params), options);
  }

  /** Raw parameterised read, routed like repository reads. */
  async read<R = Record<string, unknown>>(sql: string, params: unknown[] = [], options: { timeoutMs?: number } = {}): Promise<R[]> {
    return this.#executor.read((c) => c.query<R>(sql, params), options);
  }

  /** A context with its own read-your-writes window (one per request, say). */
  session(): Database {
    return new Database(this.dataSource, this.#primary, this.#replicas, this.#routing, this.#onClose, { lastWriteAt: 0 });
  }

  /** A view whose reads all go to the primary. */
  primary(): Database {
    return new Database(this.dataSource, this.#primary, this.#replicas, { ...this.#routing, primaryOnly: true }, this.#onClose);
  }

  /** The executor repositories use (for packages building on this one). */
  get executor(): Executor {
    return this.#executor;
  }

  /** Pool and breaker state of every endpoint, and replica lag. */
  stats(): DatabaseStats {
    const states = this.#replicas.states();
    return {
      primary: this.#primary.stats(),
      replicas: this.#replicaEndpoints().map((r, i) => ({ ...r.stats(), ...states[i]! })),
    };
  }

  /** Connections held longer than `thresholdMs`, with the stack that took each. */
  leaks(thresholdMs: number): LeakReport[] {
    return [this.#primary, ...this.#replicaEndpoints()].flatMap((e) => e.leaks.leaks(thresholdMs));
  }

  /** `up` when the primary answers `SELECT 1`. */
  async health(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      await this.#primary.run((c) => c.query('SELECT 1'), { timeoutMs: 2_000 });
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  /** Measures replica lag now (it is also measured in the background). */
  async refreshReplicas(): Promise<void> {
    await this.#replicas.refresh();
  }

  /** Closes every pool; calling it again (or on a session or primary view) does nothing. */
  async close(): Promise<void> {
    await this.#onClose();
  }

  #replicaEndpoints(): Endpoint[] {
    return this.#replicas.all();
  }

  #transactionHandle(executor: Executor): Transaction {
    return {
      repository: <T extends ObjectLiteral>(target: EntityTarget<T>) => new Repository<T>(this.dataSource, this.dataSource.getMetadata(target), executor),
      transaction: <R>(fn: (tx: Transaction) => Promise<R>) => executor.transaction((_c, inner) => fn(this.#transactionHandle(inner))),
      query: <R>(sql: string, params: unknown[] = []) => executor.write((c) => c.query<R>(sql, params)),
    };
  }
}
