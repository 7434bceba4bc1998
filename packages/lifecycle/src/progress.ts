/** Progress of one policy's run, sent after every batch. */
export interface LifecycleProgress {
  policy: string;
  phase: 'plan' | 'resume' | 'archive' | 'delete' | 'done';
  batches: number;
  rowsArchived: number;
  rowsDeleted: number;
  /** Rows (or partitions / objects) the plan counted, when known. */
  total: number | undefined;
  /** Rows per second so far. */
  rate: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | undefined;
  /** Rows of the next batch. */
  batchSize: number;
}

/** Receives progress events. */
export type ProgressListener = (progress: LifecycleProgress) => void;
