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

/** A gauge exposed under another type: the value is read from the server at scrape time, then reported as it is. */
class ReportedValue extends Gauge {
  constructor(
    configuration: ConstructorParameters<typeof Gauge>[0],
    private readonly exposedAs: 'counter' | 'untyped',
  ) {
    super(configuration);
  }

  override async get(): ReturnType<Gauge['get']> {
    return { ...(await super.get()), type: this.exposedAs as never };
  }
}

/**
 * Gauges filled by one read per scrape: every gauge's `collect` joins the read in flight or starts one
 * (prom-client collects a registry's metrics in parallel), and the read (one query, one INFO) sets every
 * gauge of the group, so a scrape costs the server one round trip, not one per series. Values are reset
 * before each read: a series that disappeared (a closed database, a gone state) is not repeated.
 */
export function scrapeGroup<K extends string>(
  registry: Registry,
  specs: Record<K, GaugeSpec>,
  read: (set: (name: K, value: number, labels?: Record<string, string>) => void) => Promise<void>,
): Record<K, Gauge> {
  const gauges = {} as Record<K, Gauge>;
  const keys = Object.keys(specs) as K[];
  let inFlight: Promise<void> | undefined;
  const collect = (): Promise<void> => {
    inFlight ??= (async () => {
      for (const k of keys) gauges[k].reset();
      await read((name, value, labels) => (labels ? gauges[name].set(labels, value) : gauges[name].set(value)));
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  for (const key of keys) {
    const spec = specs[key];
    const configuration = { name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry], collect };
    gauges[key] = spec.type === 'counter' || spec.type === 'untyped' ? new ReportedValue(configuration, spec.type) : new Gauge(configuration);
  }
  return gauges;
}
