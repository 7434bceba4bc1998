import hnswlib from 'hnswlib-node';
import type { Metric } from '../types';

const SPACES = { cosine: 'cosine', dot: 'ip', euclidean: 'l2' } as const;

/** HNSW parameters, all set. */
export interface GraphParameters {
  m: number;
  efConstruction: number;
  ef: number;
}

/**
 * The native HNSW graph (hnswlib-node), addressed by label. A label freed by a delete is marked
 * deleted in the graph; re-adding that label un-marks and re-links the same slot, so deletes free
 * their slots. (hnswlib's own `replaceDeleted` picks an arbitrary deleted slot and can leave two
 * labels pointing at one slot, so labels are chosen here, by `RecordTable`.) Capacity doubles when full.
 */
export class HnswGraph {
  readonly #index: InstanceType<typeof hnswlib.HierarchicalNSW>;
  readonly #params: GraphParameters;
  readonly #dimension: number;
  #ef: number;
  #capacity: number;

  constructor(metric: Metric, dimension: number, params: GraphParameters, capacity = 1024) {
    this.#index = new hnswlib.HierarchicalNSW(SPACES[metric], dimension);
    this.#params = params;
    this.#dimension = dimension;
    this.#index.initIndex({ maxElements: capacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: false });
    this.#index.setEf(params.ef);
    this.#ef = params.ef;
    this.#capacity = capacity;
  }

  /** Loads a graph written by `save`. */
  static load(path: string, metric: Metric, dimension: number, params: GraphParameters): HnswGraph {
    const graph = new HnswGraph(metric, dimension, params, 1);
    graph.#index.readIndexSync(path, false);
    graph.#index.setEf(params.ef);
    graph.#capacity = graph.#index.getMaxElements();
    return graph;
  }

  /** Slots allocated (live + deleted). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Adds or replaces the point at `label`, growing the graph when it is full. */
  add(label: number, vector: ArrayLike<number>): void {
    if (label >= this.#capacity) {
      this.#capacity = Math.max(label + 1, this.#capacity * 2);
      this.#index.resizeIndex(this.#capacity);
    }
    this.#index.addPoint(Array.from(vector), label);
  }

  /** Marks a label deleted (it is skipped by searches until re-added). */
  remove(label: number): void {
    this.#index.markDelete(label);
  }

  /** k nearest labels (ascending distance) among those `allow` accepts, searching with `ef`. */
  search(vector: number[], k: number, ef: number, allow?: (label: number) => boolean): { labels: number[]; distances: number[] } {
    const max = this.#capacity;
    const width = Math.max(ef, Math.min(k, max));
    if (width !== this.#ef) {
      this.#index.setEf(width);
      this.#ef = width;
    }
    const result = this.#index.searchKnn(vector, Math.min(k, max), allow);
    return { labels: result.neighbors, distances: result.distances };
  }

  /** Writes the graph to `path` on a worker thread (a large graph would block the event loop for seconds). */
  async save(path: string): Promise<void> {
    await this.#index.writeIndex(path);
  }

  /** Approximate RAM of the graph: vectors, level-0 links and the label table. */
  get bytes(): number {
    const perElement = this.#dimension * 4 + (this.#params.m * 2 + 1) * 4 + 8 + 16;
    return this.capacity * perElement;
  }
}
