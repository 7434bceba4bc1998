import { InvalidQueryError } from '../errors';
import type { Database } from '../database';
import type { MetricData } from './metric-data-entity';

/** Aggregations `series` computes per bucket. */
export type Aggregation = 'avg' | 'min' | 'max' | 'sum' | 'count';

/** One bucket of a series. */
export interface Bucket {
  start: Date;
  value: number;
}

/** Batching of writes. */
export interface TimeSeriesOptions {
  /** Flush when this many samples are buffered (default 1,000). */
  maxBatch?: number;
  /** Flush at least this often, ms (default 1,000). */
  flushIntervalMs?: number;
  /** Told about a failed background flush (the samples stay buffered for the next one). */
  onError?: (error: Error) => void;
}

const AGGREGATIONS: Aggregation[] = ['avg', 'min', 'max', 'sum', 'count'];

/**
 * Time series on the metric_data table: writes are buffered and flushed as one multi-row insert
 * by size or interval (and on `close`), and `series` aggregates fixed-width buckets on the server —
 * `date_bin` on PostgreSQL, epoch arithmetic on SQLite — returning the same buckets for the same data.
 */
export class TimeSeries {
  readonly #db: Database;
  readonly #maxBatch: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: Error) => void;
  #buffer: Array<Omit<MetricData, 'id'>> = [];
  #flushing: Promise<void> = Promise.resolve();

  constructor(db: Database, options: TimeSeriesOptions = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#timer = setInterval(() => void this.flush().catch((e: Error) => this.#onError(e)), options.flushIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** Samples waiting for the next flush. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Buffers a sample; flushes when the batch is full. */
  write(metricName: string, value: number, labels?: Record<string, string>, timestamp = new Date()): Promise<void> {
    if (typeof metricName !== 'string' || metricName.length === 0 || metricName.length > 255) throw new InvalidQueryError('metric name must be 1-255 characters');
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidQueryError(`metric value must be a finite number; got ${String(value)}`);
    this.#buffer.push({ metricName, value, labels: labels ?? null, timestamp });
    return this.#buffer.length >= this.#maxBatch ? this.flush() : Promise.resolve();
  }

  /** Writes everything buffered now, in one statement per batch. */
  flush(): Promise<void> {
    // A failed flush keeps its samples and must not block the next one.
    this.#flushing = this.#flushing.catch(() => undefined).then(async () => {
      while (this.#buffer.length > 0) {
        const batch = this.#buffer.slice(0, this.#maxBatch);
        await this.#db.repository<MetricData>('MetricData').bulkLoad(batch);
        this.#buffer = this.#buffer.slice(batch.length);
      }
    });
    return this.#flushing;
  }

  /** Aggregates `metricName` in `[from, to)` into buckets of `bucketMs`; empty buckets are left out. */
  async series(metricName: string, from: Date, to: Date, bucketMs: number, aggregation: Aggregation): Promise<Bucket[]> {
    if (!AGGREGATIONS.includes(aggregation)) throw new InvalidQueryError(`aggregation must be one of ${AGGREGATIONS.join(', ')}`);
    if (!Number.isInteger(bucketMs) || bucketMs < 1_000) throw new InvalidQueryError('bucketMs must be a whole number of milliseconds, at least 1,000');
    const dialect = this.#db.executor.dialect;
    const p = (i: number) => dialect.placeholder(i);
    const bucket = dialect.bucketStart('"timestamp"', bucketMs);
    const sql = `SELECT ${bucket} AS bucket, ${aggregation.toUpperCase()}(value) AS value FROM metric_data
      WHERE metric_name = ${p(1)} AND "timestamp" >= ${p(2)} AND "timestamp" < ${p(3)}
      GROUP BY 1 ORDER BY 1`;
    const rows = await this.#db.read<{ bucket: unknown; value: unknown }>(sql, [metricName, dialect.timestampParam(from), dialect.timestampParam(to)]);
    return rows.map((r) => ({ start: new Date(Number(r.bucket)), value: Number(r.value) }));
  }

  /** Stops the timer and flushes what is buffered. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
