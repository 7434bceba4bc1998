import { InvalidArgumentError } from '../errors';
import type { Filter } from '../filter';
import type { Collection } from '../types';
import { assertPositiveInteger } from '../validate';

/** What `outliers` takes: the neighbour rank and either a z-score threshold or a top-N cut. */
export interface OutlierOptions {
  /** Score each record by the distance to its k-th nearest neighbour (default 5). */
  k?: number;
  /** Records whose score's z-score reaches this are outliers (default 3, unless `top` is given). */
  zScore?: number;
  /** Or: the N records with the highest scores. */
  top?: number;
  namespace?: string;
  filter?: Filter;
}

/** Every record's k-NN distance, and the ones flagged. */
export interface OutlierResult {
  outliers: Array<{ id: string; distance: number; zScore: number }>;
  mean: number;
  stdDev: number;
  scored: number;
}

/**
 * Outlier detection: each record's distance to its k-th nearest neighbour (found through the
 * collection's own index, within the same namespace and filter), then a z-score threshold or the
 * top N. Distance is `1 - score` for cosine and dot collections and the Euclidean distance for
 * euclidean ones.
 */
export async function outliers(collection: Collection, options: OutlierOptions = {}): Promise<OutlierResult> {
  const k = options.k ?? 5;
  assertPositiveInteger(k, 'k', 1_000);
  if (options.top !== undefined) assertPositiveInteger(options.top, 'top');
  if (options.top !== undefined && options.zScore !== undefined) throw new InvalidArgumentError('outliers takes zScore or top, not both');
  const threshold = options.zScore ?? 3;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new InvalidArgumentError(`zScore must be a finite number; got ${String(threshold)}`);
  const { metric } = await collection.describe();
  const scored: Array<{ id: string; distance: number }> = [];
  for await (const record of collection.scan({ namespace: options.namespace, filter: options.filter })) {
    const matches = await collection.query({ vector: record.vector, topK: k + 1, namespace: options.namespace, filter: options.filter, includeMetadata: false });
    const neighbours = matches.filter((m) => m.id !== record.id);
    const kth = neighbours[Math.min(k, neighbours.length) - 1];
    if (!kth) continue;
    scored.push({ id: record.id, distance: metric === 'euclidean' ? 1 / kth.score - 1 : 1 - kth.score });
  }
  const mean = scored.reduce((a, s) => a + s.distance, 0) / Math.max(scored.length, 1);
  const stdDev = Math.sqrt(scored.reduce((a, s) => a + (s.distance - mean) ** 2, 0) / Math.max(scored.length, 1));
  const withZ = scored.map((s) => ({ ...s, zScore: stdDev === 0 ? 0 : (s.distance - mean) / stdDev })).sort((a, b) => b.distance - a.distance);
  const flagged = options.top !== undefined ? withZ.slice(0, options.top) : withZ.filter((s) => s.zScore >= threshold);
  return { outliers: flagged, mean, stdDev, scored: scored.length };
}
