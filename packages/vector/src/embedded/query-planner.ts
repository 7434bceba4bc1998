import type { Predicate } from '../filter';
import { exactScore, scoreFromDistance } from '../score';
import type { CollectionConfig, EmbeddedRuntime } from './collection-config';
import type { CollectionState } from './collection-state';
import type { RecordTable } from './record-table';
import { TopK } from './top-k';

const SAMPLE = 1_000;
const GOLDEN = 0.6180339887498949;

/** Labels and scores of a query's answer, best first. */
export interface Ranked {
  labels: number[];
  scores: number[];
}

/** The test a label must pass to be returned: live, in the namespace, unexpired, matching. */
export function allowFor(table: RecordTable, ns: string, now: number, predicate: Predicate | undefined): (label: number) => boolean {
  return (label) => {
    const entry = table.entry(label);
    return entry !== undefined && entry.namespace === ns && entry.expiresAt > now && (predicate === undefined || predicate(entry.metadata));
  };
}

/**
 * Chooses how to answer a query. Filters are applied inside the graph search (hnswlib calls `allow`
 * for each candidate and keeps searching until it holds `ef` allowed ones), so a filtered query still
 * returns topK results. When a sample says few records match, the query is answered exactly over the
 * matching records instead (a graph walk would have to visit most of the graph to find them), and a
 * graph search that returns short falls back to the exact path too. Namespaces and TTL restrict the
 * search the same way.
 */
export function planSearch(state: CollectionState, config: CollectionConfig, runtime: EmbeddedRuntime, vector: number[], topK: number, ef: number, ns: string, predicate: Predicate | undefined): Ranked {
  const { table, graph } = state;
  const inNamespace = table.countIn(ns);
  if (inNamespace === 0) return { labels: [], scores: [] };
  const restricted = predicate !== undefined || inNamespace !== table.size || state.expiring > 0;
  if (!restricted) return scored(config, graph.search(vector, topK, ef));
  const allow = allowFor(table, ns, Date.now(), predicate);
  const expected = predicate ? estimateMatches(table, allow) : inNamespace;
  // Exact when few match, or when a tenth or less does: such a filter leaves the graph walk too few
  // allowed nodes on its paths (at 10 % of 1 M, recall 0.81 through the graph).
  if (expected <= Math.max(runtime.exactLimit, table.size * runtime.exactShare)) return exact(table, config, vector, topK, allow);
  // A selective filter leaves few allowed nodes along the graph's paths: search wider.
  const selectivity = expected / table.size;
  const found = graph.search(vector, topK, Math.ceil(ef * Math.min(1 / selectivity, 8)), allow);
  if (found.labels.length < Math.min(topK, expected)) return exact(table, config, vector, topK, allow);
  return scored(config, found);
}

function scored(config: CollectionConfig, found: { labels: number[]; distances: number[] }): Ranked {
  const scores = found.distances;
  for (let i = 0; i < scores.length; i++) scores[i] = scoreFromDistance(config.metric, scores[i]!);
  return { labels: found.labels, scores };
}

/**
 * Matching records expected, from a sample of labels. The sample follows a golden-ratio (Weyl)
 * sequence rather than a fixed stride, which would line up with periodic ids or insertion order.
 */
function estimateMatches(table: RecordTable, allow: (label: number) => boolean): number {
  const bound = table.labelBound;
  const draws = Math.min(SAMPLE, bound);
  let seen = 0;
  let hits = 0;
  for (let j = 0; j < draws; j++) {
    const label = draws === bound ? j : Math.floor(((j * GOLDEN) % 1) * bound);
    if (table.entry(label) === undefined) continue;
    seen++;
    if (allow(label)) hits++;
  }
  return seen === 0 ? 0 : Math.ceil((hits / seen) * table.size);
}

function exact(table: RecordTable, config: CollectionConfig, vector: number[], topK: number, allow: (label: number) => boolean): Ranked {
  const best = new TopK(topK);
  for (let label = 0; label < table.labelBound; label++) {
    if (allow(label)) best.offer(label, exactScore(config.metric, vector, table.vector(label)));
  }
  return best;
}
