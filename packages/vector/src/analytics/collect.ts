import type { Collection, ScanOptions } from '../types';

/** Records of a collection (or a filtered subset) with their vectors, loaded for an analysis. */
export async function collectVectors(collection: Collection, options: ScanOptions): Promise<{ ids: string[]; vectors: number[][] }> {
  const ids: string[] = [];
  const vectors: number[][] = [];
  for await (const record of collection.scan(options)) {
    ids.push(record.id);
    vectors.push(record.vector);
  }
  return { ids, vectors };
}

/** A copy of `v` scaled to length 1 (zero stays zero). */
export function normalized(v: number[]): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? v.slice() : v.map((x) => x / norm);
}

/** Squared Euclidean distance. */
export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum;
}
