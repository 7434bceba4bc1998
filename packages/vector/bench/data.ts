// Bench data: clustered vectors and queries, and exact ground truth, built outside any timed loop.
import hnswlib from 'hnswlib-node';

/** Seeded standard normal numbers (Box-Muller over mulberry32). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** `count` vectors around `clusters` random centres, each with its cluster number. */
export function clustered(count: number, dimension: number, clusters: number, seed: number): { vectors: number[][]; cluster: number[] } {
  const normal = gaussian(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dimension }, () => normal()));
  const cluster: number[] = [];
  const vectors = Array.from({ length: count }, (_, i) => {
    const c = i % clusters;
    cluster.push(c);
    return centres[c]!.map((x) => x + normal());
  });
  return { vectors, cluster };
}

/** Exact top-k labels of each query among the vectors `include` accepts (hnswlib's brute-force index). */
export function groundTruth(vectors: number[][], queries: number[][], k: number, include: (i: number) => boolean = () => true): number[][] {
  const dimension = vectors[0]!.length;
  const exact = new hnswlib.BruteforceSearch('cosine', dimension);
  const members = vectors.map((_, i) => i).filter(include);
  exact.initIndex(members.length);
  for (const i of members) exact.addPoint(vectors[i]!, i);
  return queries.map((q) => exact.searchKnn(q, k).neighbors);
}

/** Share of the true top-k found. */
export function recall(found: Array<ArrayLike<number | bigint>>, truth: number[][]): number {
  let hits = 0;
  let total = 0;
  found.forEach((labels, i) => {
    const expected = new Set(truth[i]);
    for (let j = 0; j < labels.length; j++) if (expected.has(Number(labels[j]))) hits++;
    total += truth[i]!.length;
  });
  return hits / total;
}
