import type { DataSource, EntityMetadata } from 'typeorm';
import { InvalidQueryError } from './errors';
import type { Executor } from './executor';
import { columnFor, type ColumnMetadata } from './query-guard';

/** Options of a bulk load. */
export interface BulkLoadOptions {
  /** Called every `progressEvery` rows and at the end. */
  onProgress?: (progress: { rows: number }) => void;
  /** Default 10,000. */
  progressEvery?: number;
  /** Deadline of the whole load, ms (default 10 minutes). */
  timeoutMs?: number;
}

/** Rows of one load, all with the fields of the first row. */
type RowSource<T> = AsyncIterable<Partial<T>> | Iterable<Partial<T>>;

/**
 * Loads rows as fast as the database takes them: `COPY … FROM STDIN` (CSV) on PostgreSQL, multi-row
 * INSERTs in one transaction on SQLite. The fields are those of the first row (checked against the
 * entity); the load is all or nothing. Returns the number of rows.
 */
export async function bulkLoad<T>(dataSource: DataSource, metadata: EntityMetadata, executor: Executor, rows: RowSource<T>, options: BulkLoadOptions = {}): Promise<number> {
  const iterator = (Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<Partial<T>>)[Symbol.iterator]()) as AsyncIterator<Partial<T>> | Iterator<Partial<T>>;
  const first = await iterator.next();
  if (first.done) return 0;
  const columns = Object.keys(first.value as object).map((p) => columnFor(metadata, p, 'bulk load field'));
  if (columns.length === 0) throw new InvalidQueryError('bulk load rows need at least one field');
  const all = (async function* () {
    yield first.value as Partial<T>;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Partial<T>;
  })();
  const persist = (row: Partial<T>, column: ColumnMetadata) => dataSource.driver.preparePersistentValue((row as Record<string, unknown>)[column.propertyName], column);
  const every = options.progressEvery ?? 10_000;
  let count = 0;
  const counted = (async function* () {
    for await (const row of all) {
      count++;
      if (count % every === 0) options.onProgress?.({ rows: count });
      yield row;
    }
  })();
  const q = executor.dialect.quote;
  const table = q(metadata.tablePath);
  const names = columns.map((c) => q(c.databaseName)).join(', ');
  const timeoutMs = options.timeoutMs ?? 600_000;

  if (executor.dialect.name === 'postgres') {
    await executor.write(async (connection) => {
      await connection.copyFrom!(`COPY ${table} (${names}) FROM STDIN WITH (FORMAT csv)`, csvLines(counted, columns, persist));
    }, { timeoutMs });
  } else {
    // SQLite binds at most 32,766 parameters per statement.
    const perStatement = Math.max(1, Math.min(500, Math.floor(32_766 / columns.length)));
    await executor.transaction(async (connection) => {
      let batch: unknown[] = [];
      let rowsInBatch = 0;
      const flush = async () => {
        if (rowsInBatch === 0) return;
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        await connection.query(`INSERT INTO ${table} (${names}) VALUES ${Array(rowsInBatch).fill(tuple).join(', ')}`, batch);
        batch = [];
        rowsInBatch = 0;
      };
      for await (const row of counted) {
        for (const column of columns) batch.push(persist(row, column));
        if (++rowsInBatch === perStatement) await flush();
      }
      await flush();
    }, { timeoutMs, retries: 0 });
  }
  options.onProgress?.({ rows: count });
  return count;
}

/** CSV lines for COPY: NULL as an unquoted empty field, everything else quoted. */
async function* csvLines<T>(rows: AsyncIterable<Partial<T>>, columns: ColumnMetadata[], persist: (row: Partial<T>, c: ColumnMetadata) => unknown): AsyncIterable<string> {
  let chunk: string[] = [];
  for await (const row of rows) {
    chunk.push(columns.map((c) => csvField(persist(row, c))).join(','));
    if (chunk.length === 1_000) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (Buffer.isBuffer(value)) text = `\\x${value.toString('hex')}`;
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return `"${text.replace(/"/g, '""')}"`;
}
