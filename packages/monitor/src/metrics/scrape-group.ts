import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';

/** One series of a scrape group: its name, help, label names and the type it is exposed as (default gauge). */
export interface GaugeSpec {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /**
   * `counter` for a total the server keeps (`redis_keyspace_hits_total`: the value is the server's, not
   * counted here); `untyped` for exporter names that break the text format's naming rules for their type
   * (`pg_locks_count` is not a summary's count): `promtool check metrics` exempts untyped series.
   */
  type?: 'gauge' | 'counter' | 'untyped';
}

/**
 * A gauge of a scrape group: exposed under its spec's type (the value is read from the server at scrape
 * time, then reported as it is), and without a sample when the last read did not set it (prom-client
 * would report an unlabelled gauge as 0, a value the read never gave).
 */
class ReportedValue extends Gauge {
  /** Whether the last read set this gauge. */
  present = false;
  readonly #unlabelled: boolean;

  constructor(
    configuration: ConstructorParameters<typeof Gauge>[0],
    private readonly exposedAs: 'gauge' | 'counter' | 'untyped',
  ) {
    super(configuration);
    this.#unlabelled = (configuration.labelNames ?? []).length === 0;
  }

  override async get(): ReturnType<Gauge['get']> {
    const metric = await super.get();
    const values = this.#unlabelled && !this.present ? [] : metric.values;
    return { ...metric, values, type: this.exposedAs as never };
  }
}

/**
 * Gauges filled by one read per scrape: every gauge's `collect` joins the read in flight or starts one
 * (prom-client collects a registry's metrics in parallel), and the read (one query, one INFO) sets every
 * gauge of the group, so a scrape costs the server one round trip, not one per series. Values are reset
 * before each read: a series that disappeared (a closed database, a gone state) is not repeated, and one
 * the read did not set has no sample. With `minIntervalMs`, scrapes closer together than that reuse the last
 * read's values (a busy `/metrics` does not become a query per scrape).
 */
export function scrapeGroup<K extends string>(
  registry: Registry,
  specs: Record<K, GaugeSpec>,
  read: (set: (name: K, value: number, labels?: Record<string, string>) => void) => Promise<void>,
  options: { minIntervalMs?: number } = {},
): Record<K, Gauge> {
  const gauges = {} as Record<K, ReportedValue>;
  const keys = Object.keys(specs) as K[];
  let inFlight: Promise<void> | undefined;
  let readAt = -Infinity;
  const minIntervalMs = options.minIntervalMs ?? 0;
  const collect = (): Promise<void> => {
    if (!inFlight && performance.now() - readAt < minIntervalMs) return Promise.resolve(); // the last read's values stand
    inFlight ??= (async () => {
      readAt = performance.now();
      for (const k of keys) {
        gauges[k].reset();
        gauges[k].present = false;
      }
      try {
        await read((name, value, labels) => {
          gauges[name].present = true;
          if (labels) gauges[name].set(labels, value);
          else gauges[name].set(value);
        });
      } catch {
        // A source that cannot report (not started yet, closed) leaves its series absent; it never fails the scrape.
        for (const k of keys) {
          gauges[k].reset();
          gauges[k].present = false;
        }
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  for (const key of keys) {
    const spec = specs[key];
    const configuration = { name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry], collect };
    gauges[key] = new ReportedValue(configuration, spec.type ?? 'gauge');
  }
  return gauges;
}
