import { kmeans as mlKmeans } from 'ml-kmeans';
import { InvalidArgumentError } from '../errors';
import type { Filter } from '../filter';
import type { Collection } from '../types';
import { assertPositiveInteger } from '../validate';
import { collectVectors, normalized, squaredDistance } from './collect';

/** What `kmeans` takes. */
export interface KMeansOptions {
  k: number;
  namespace?: string;
  filter?: Filter;
  /** Seed of the k-means++ initialisation, for repeatable runs (default 42). */
  seed?: number;
  maxIterations?: number;
}

/** Centroids, each record's cluster, and the within-cluster sum of squared distances. */
export interface KMeansResult {
  centroids: number[][];
  assignments: Array<{ id: string; cluster: number }>;
  sizes: number[];
  inertia: number;
  iterations: number;
}

/**
 * k-means with k-means++ seeding (ml-kmeans) over a collection or a filtered subset. On a cosine
 * collection the vectors are normalised first (spherical k-means), so clusters follow direction as
 * the collection's similarity does.
 */
export async function kmeans(collection: Collection, options: KMeansOptions): Promise<KMeansResult> {
  assertPositiveInteger(options.k, 'k', 10_000);
  const info = await collection.describe();
  const { ids, vectors } = await collectVectors(collection, { namespace: options.namespace, filter: options.filter });
  if (ids.length < options.k) throw new InvalidArgumentError(`k-means with k=${options.k} needs at least ${options.k} records; ${ids.length} matched`);
  const points = info.metric === 'cosine' ? vectors.map(normalized) : vectors;
  const result = mlKmeans(points, options.k, { initialization: 'kmeans++', seed: options.seed ?? 42, maxIterations: options.maxIterations ?? 100 });
  const sizes = new Array<number>(options.k).fill(0);
  let inertia = 0;
  const assignments = ids.map((id, i) => {
    const cluster = result.clusters[i]!;
    sizes[cluster]!++;
    inertia += squaredDistance(points[i]!, result.centroids[cluster]!);
    return { id, cluster };
  });
  return { centroids: result.centroids, assignments, sizes, inertia, iterations: result.iterations };
}
