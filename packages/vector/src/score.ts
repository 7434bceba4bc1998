import type { Metric } from './types';

/**
 * One similarity scale for every metric and backend, higher is closer:
 * - `cosine`: the cosine similarity, in [-1, 1] (1 = same direction);
 * - `dot`: the dot product (unbounded);
 * - `euclidean`: `1 / (1 + d)` with `d` the Euclidean distance, in (0, 1] (1 = same point).
 * So `minScore: 0.8` means the same thing whichever backend holds the collection.
 */
export function scoreFromDistance(metric: Metric, distance: number): number {
  switch (metric) {
    case 'cosine':
    case 'dot':
      // hnswlib's cosine and inner-product spaces report 1 - similarity.
      return 1 - distance;
    case 'euclidean':
      // hnswlib's l2 space (and Pinecone's euclidean score) is the squared distance.
      return 1 / (1 + Math.sqrt(Math.max(0, distance)));
  }
}

/** The score of two vectors computed exactly (the brute-force path and the tests' ground truth). */
export function exactScore(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    squared += (x - y) * (x - y);
  }
  if (metric === 'dot') return dot;
  if (metric === 'euclidean') return 1 / (1 + Math.sqrt(squared));
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
