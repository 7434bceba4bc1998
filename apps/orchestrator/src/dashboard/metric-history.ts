/** One sample of the charted figures. */
export interface Sample {
  at: number;
  rssMiB: number;
  heapMiB: number;
  eventLoopLagMs: number;
}

/** The charts' in-process history: a sample every `everyMs`, the last `keep` of them (bounded memory). */
export class MetricHistory {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly everyMs = 10_000,
    private readonly keep = 6 * 360, // six hours at 10 s
  ) {}

  /** Starts sampling (one sample right away). */
  start(): void {
    this.sample(0);
    this.timer = setInterval(() => {
      const scheduled = Date.now();
      setImmediate(() => this.sample(Date.now() - scheduled));
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(lag: number): void {
    const memory = process.memoryUsage();
    this.samples.push({ at: Date.now(), rssMiB: memory.rss / 1048576, heapMiB: memory.heapUsed / 1048576, eventLoopLagMs: lag });
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  /** The samples, oldest first, as uPlot columns: [times (s), rss, heap, lag]. */
  columns(): number[][] {
    return [this.samples.map((s) => s.at / 1000), this.samples.map((s) => s.rssMiB), this.samples.map((s) => s.heapMiB), this.samples.map((s) => s.eventLoopLagMs)];
  }
}
