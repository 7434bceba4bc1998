/** The `k` best (highest-scoring) labels of a stream, kept in a small sorted buffer. */
export class TopK {
  readonly #k: number;
  readonly labels: number[] = [];
  readonly scores: number[] = [];

  constructor(k: number) {
    this.#k = k;
  }

  /** Offers a candidate; keeps it if it is among the best k so far. */
  offer(label: number, score: number): void {
    const n = this.scores.length;
    if (n === this.#k && score <= this.scores[n - 1]!) return;
    let i = n === this.#k ? n - 1 : n;
    // Insertion into a descending array: k is small next to the number of candidates.
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.labels[i] = this.labels[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.labels[i] = label;
  }
}
