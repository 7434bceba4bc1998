import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';

/** One labelled series of a reported summary: its quantiles (absent before the first observation), sum and count. */
export interface SummaryReading {
  labels: Record<string, string>;
  quantiles: Record<string, number | undefined>;
  sum: number;
  count: number;
}

/**
 * A summary whose quantiles, `_sum` and `_count` are a package's own (read from its `stats()` at scrape time),
 * exposed in the text format's summary form, so `promtool` accepts the `quantile` label and `rate(_sum) /
 * rate(_count)` gives the mean.
 */
export class ReportedSummary extends Gauge {
  readonly #name: string;

  constructor(
    configuration: { name: string; help: string; labelNames: string[]; registers: Registry[] },
    private readonly read: () => SummaryReading[],
  ) {
    super(configuration);
    this.#name = configuration.name;
  }

  override async get(): ReturnType<Gauge['get']> {
    const values: Array<{ labels: Record<string, string>; value: number; metricName?: string }> = [];
    let readings: SummaryReading[] = [];
    try {
      readings = this.read();
    } catch {
      // not started yet, or closed: no samples rather than a failed scrape
    }
    for (const reading of readings) {
      for (const [quantile, value] of Object.entries(reading.quantiles)) if (value !== undefined) values.push({ labels: { ...reading.labels, quantile }, value });
      values.push({ metricName: `${this.#name}_sum`, labels: reading.labels, value: reading.sum });
      values.push({ metricName: `${this.#name}_count`, labels: reading.labels, value: reading.count });
    }
    return { ...(await super.get()), type: 'summary' as never, values };
  }
}
