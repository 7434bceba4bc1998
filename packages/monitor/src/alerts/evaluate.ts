import type { Expr, Matcher } from './expression';
import type { Sample, SampleStore } from './sample-store';
import { seriesKey } from './sample-store';

/** What an expression evaluates to. */
export type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; samples: Sample[] };

function matches(labels: Record<string, string>, matchers: Matcher[]): boolean {
  return matchers.every((m) => {
    const value = labels[m.label] ?? '';
    if (m.op === '=') return value === m.value;
    if (m.op === '!=') return value !== m.value;
    const regex = new RegExp(`^(?:${m.value})$`);
    return m.op === '=~' ? regex.test(value) : !regex.test(value);
  });
}

const COMPARE = { '==': (a: number, b: number) => a === b, '!=': (a: number, b: number) => a !== b, '>': (a: number, b: number) => a > b, '<': (a: number, b: number) => a < b, '>=': (a: number, b: number) => a >= b, '<=': (a: number, b: number) => a <= b } as const;
const ARITHMETIC = { '+': (a: number, b: number) => a + b, '-': (a: number, b: number) => a - b, '*': (a: number, b: number) => a * b, '/': (a: number, b: number) => a / b } as const;

/** The sum of a counter's increases over its points (a drop is a reset: the new value counts from zero). Not extrapolated. */
function increase(points: Array<[number, number]>): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const delta = points[i]![1] - points[i - 1]![1];
    total += delta >= 0 ? delta : points[i]![1];
  }
  return total;
}

/** Evaluates an expression of the subset at `now` over the store's samples (PromQL semantics: comparisons filter, one-to-one label matching). */
export function evaluate(expr: Expr, store: SampleStore, now: number): Value {
  switch (expr.kind) {
    case 'number':
      return { kind: 'scalar', value: expr.value };
    case 'time':
      return { kind: 'scalar', value: now / 1000 };
    case 'selector':
      return { kind: 'vector', samples: store.instant(expr.name).filter((s) => matches(s.labels, expr.matchers)) };
    case 'call': {
      const rangeMs = expr.arg.rangeMs!;
      const samples = store
        .range(expr.arg.name, rangeMs, now)
        .filter((series) => matches(series.labels, expr.arg.matchers) && series.points.length > 1)
        .map((series) => ({ labels: series.labels, value: expr.fn === 'increase' ? increase(series.points) : increase(series.points) / (rangeMs / 1000) }));
      return { kind: 'vector', samples };
    }
    case 'aggregate': {
      const inner = evaluate(expr.arg, store, now);
      if (inner.kind !== 'vector') return inner;
      const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
      for (const sample of inner.samples) {
        const labels = Object.fromEntries(expr.by.filter((l) => sample.labels[l] !== undefined).map((l) => [l, sample.labels[l]!]));
        const key = seriesKey('', labels);
        const group = groups.get(key) ?? { labels, values: [] };
        group.values.push(sample.value);
        groups.set(key, group);
      }
      const reduce = { sum: (v: number[]) => v.reduce((a, b) => a + b, 0), max: (v: number[]) => Math.max(...v), min: (v: number[]) => Math.min(...v), avg: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length, count: (v: number[]) => v.length }[expr.op];
      return { kind: 'vector', samples: [...groups.values()].map((g) => ({ labels: g.labels, value: reduce(g.values) })) };
    }
    case 'binary': {
      const left = evaluate(expr.left, store, now);
      const right = evaluate(expr.right, store, now);
      if (expr.op === 'and') {
        if (left.kind !== 'vector' || right.kind !== 'vector') return left;
        const keys = new Set(right.samples.map((s) => seriesKey('', s.labels)));
        return { kind: 'vector', samples: left.samples.filter((s) => keys.has(seriesKey('', s.labels))) };
      }
      const compare = expr.op in COMPARE ? COMPARE[expr.op as keyof typeof COMPARE] : undefined;
      const apply = compare ?? ARITHMETIC[expr.op as keyof typeof ARITHMETIC];
      if (left.kind === 'scalar' && right.kind === 'scalar') return { kind: 'scalar', value: compare ? Number(compare(left.value, right.value)) : apply(left.value, right.value) as number };
      if (left.kind === 'vector' && right.kind === 'scalar') {
        return { kind: 'vector', samples: compare ? left.samples.filter((s) => compare(s.value, right.value)) : left.samples.map((s) => ({ labels: s.labels, value: apply(s.value, right.value) as number })) };
      }
      if (left.kind === 'scalar' && right.kind === 'vector') {
        return { kind: 'vector', samples: compare ? right.samples.filter((s) => compare(left.value, s.value)) : right.samples.map((s) => ({ labels: s.labels, value: apply(left.value, s.value) as number })) };
      }
      const rights = new Map((right as Extract<Value, { kind: 'vector' }>).samples.map((s) => [seriesKey('', s.labels), s]));
      const out: Sample[] = [];
      for (const sample of (left as Extract<Value, { kind: 'vector' }>).samples) {
        const other = rights.get(seriesKey('', sample.labels));
        if (!other) continue;
        if (compare) {
          if (compare(sample.value, other.value)) out.push(sample);
        } else out.push({ labels: sample.labels, value: apply(sample.value, other.value) as number });
      }
      return { kind: 'vector', samples: out };
    }
  }
}
