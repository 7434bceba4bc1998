import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';

/** One row of bench/results.json (CONVENTIONS.md). */
export interface Result {
  case: string;
  unit: string;
  ours: number;
  peer: string;
  peerValue: number;
  /** Above 1 means ours is better. */
  ratio: number;
  target?: number;
}

/**
 * Operations per second of each task: the median of several short rounds in which the tasks take
 * turns (order rotated each round), so drift on a busy 2-core machine hits every task alike. A task
 * runs `opsPerCall` operations per invocation, spreading the harness's per-call overhead.
 */
export async function throughput(
  tasks: Record<string, () => unknown | Promise<unknown>>,
  opsPerCall: number,
  rounds = 7,
  roundMs = 300,
): Promise<Record<string, number>> {
  const names = Object.keys(tasks);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const bench = new Bench({ time: roundMs, warmupTime: round === 0 ? 200 : 20 });
      bench.add(name, tasks[name]!);
      await bench.run();
      samples[name]!.push((bench.tasks[0]?.result?.throughput.mean ?? 0) * opsPerCall);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}

/** The middle value (upper middle for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A throughput comparison row: ratio ours / peer. */
export function faster(name: string, ours: number, peer: string, peerValue: number, target?: number, unit = 'ops/s'): Result {
  return { case: name, unit, ours: round(ours), peer, peerValue: round(peerValue), ratio: round(ours / peerValue, 2), ...(target ? { target } : {}) };
}

/** A size comparison row: ratio peer / ours (smaller is better). */
export function smaller(name: string, unit: string, ours: number, peer: string, peerValue: number, target?: number): Result {
  return { case: name, unit, ours: round(ours), peer, peerValue: round(peerValue), ratio: round(peerValue / ours, 2), ...(target ? { target } : {}) };
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Prints the table (with Node version and CPU) and writes the rows to `resultsPath` (bench/results.json). */
export function report(results: Result[], resultsPath: string): void {
  const header = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`;
  const rows = results.map((r) => [
    r.case,
    `${r.ours.toLocaleString('en-US')} ${r.unit}`,
    r.peer,
    `${r.peerValue.toLocaleString('en-US')} ${r.unit}`,
    `${r.ratio}×`,
    r.target === undefined ? '—' : `≥ ${r.target}× ${r.ratio >= r.target ? 'met' : 'MISSED'}`,
  ]);
  const table = [['case', 'ours', 'peer', 'peer value', 'ratio', 'target'], ...rows];
  console.log(`\n${header}\n`);
  for (const [i, row] of table.entries()) {
    console.log(`| ${row.join(' | ')} |`);
    if (i === 0) console.log(`|${row.map(() => ' --- ').join('|')}|`);
  }
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
}

/** Asserts a peer and ours agree before anything is timed. */
export function same(label: string, ours: unknown, peer: unknown): void {
  if (JSON.stringify(ours) !== JSON.stringify(peer)) {
    throw new Error(`correctness check failed for ${label}: ours=${JSON.stringify(ours)} peer=${JSON.stringify(peer)}`);
  }
}

/** Runs a bench's `main`, then exits: 0 when it finished, 1 (after printing the error) when it threw. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
