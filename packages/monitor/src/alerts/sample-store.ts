import type { Registry } from 'prom-client';

/** One series' value at one time. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The registry's values over time: the newest scrape of every series, and enough history for the rules' ranges. */
export class SampleStore {
  private current = new Map<string, Sample[]>();
  private readonly history = new Map<string, { name: string; labels: Record<string, string>; points: Array<[number, number]> }>();

  constructor(
    private readonly registry: Registry,
    private readonly keepMs: number,
  ) {}

  /** Reads every metric of the registry (what a scrape would see) and records it at `now`. */
  async scrape(now: number): Promise<void> {
    const next = new Map<string, Sample[]>();
    for (const metric of await this.registry.getMetricsAsJSON()) {
      for (const entry of metric.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>) {
        const name = entry.metricName ?? metric.name;
        const labels = Object.fromEntries(Object.entries(entry.labels).map(([k, v]) => [k, String(v)]));
        const list = next.get(name) ?? [];
        list.push({ labels, value: entry.value });
        next.set(name, list);
        const key = seriesKey(name, labels);
        const series = this.history.get(key) ?? { name, labels, points: [] };
        series.points.push([now, entry.value]);
        while (series.points.length > 1 && series.points[0]![0] < now - this.keepMs) series.points.shift();
        this.history.set(key, series);
      }
    }
    this.current = next;
  }

  /** The newest value of every series of `name`. */
  instant(name: string): Sample[] {
    return this.current.get(name) ?? [];
  }

  /** Every series of `name` with its points within `rangeMs` before `now`. */
  range(name: string, rangeMs: number, now: number): Array<{ labels: Record<string, string>; points: Array<[number, number]> }> {
    const out = [];
    for (const series of this.history.values()) {
      if (series.name !== name) continue;
      const points = series.points.filter(([t]) => t >= now - rangeMs && t <= now);
      if (points.length > 0) out.push({ labels: series.labels, points });
    }
    return out;
  }
}

/** A series' identity: its name and sorted labels. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}
