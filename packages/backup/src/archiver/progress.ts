/** Progress of a backup, restore or verify run, reported as it goes. */
export interface ProgressEvent {
  phase: 'backup' | 'restore' | 'verify' | 'prune';
  files: number;
  bytes: number;
  /** Bytes expected in all, when known. */
  totalBytes: number | undefined;
  /** Bytes per second since the start. */
  rate: number;
  /** Milliseconds left at the current rate, when the total is known. */
  etaMs: number | undefined;
  /** The file being worked on. */
  path?: string;
}

/** Tracks counters and calls `onProgress` at most every `everyMs`, plus once at the end. */
export class ProgressMeter {
  files = 0;
  bytes = 0;
  totalBytes: number | undefined;
  private readonly started = Date.now();
  private last = 0;

  constructor(
    private readonly phase: ProgressEvent['phase'],
    private readonly onProgress: ((event: ProgressEvent) => void) | undefined,
    private readonly everyMs = 250,
  ) {}

  /** Reports when the interval passed (or always, with `force`). */
  tick(path?: string, force = false): void {
    if (!this.onProgress) return;
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.bytes / seconds;
    const etaMs = this.totalBytes !== undefined && rate > 0 ? Math.max(0, ((this.totalBytes - this.bytes) / rate) * 1000) : undefined;
    this.onProgress({ phase: this.phase, files: this.files, bytes: this.bytes, totalBytes: this.totalBytes, rate, etaMs, ...(path === undefined ? {} : { path }) });
  }
}
