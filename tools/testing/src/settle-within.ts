/** How a batch of calls under a fault settled. */
export interface SettleReport {
  calls: number;
  settled: number;
  /** Calls still pending at the bound: each one is a hang. */
  pending: number;
  /** Slowest settle among those that did, ms. */
  slowestMs: number;
  /** Rejection reasons, by error class name and `code`. */
  errors: Record<string, number>;
  /** Resolved values of the calls that succeeded. */
  resolved: number;
}

/**
 * Starts every call, waits up to `boundMs` (generous: it detects a hang, it does not measure speed)
 * and reports how they settled. Printed figures feed the fault suites' closing notes.
 */
export async function settleWithin(calls: Array<() => Promise<unknown>>, boundMs: number): Promise<SettleReport> {
  const started = Date.now();
  const report: SettleReport = { calls: calls.length, settled: 0, pending: calls.length, slowestMs: 0, errors: {}, resolved: 0 };
  const tracked = calls.map(async (call) => {
    try {
      await call();
      report.resolved++;
    } catch (error) {
      const e = error as { name?: string; code?: unknown; constructor?: { name?: string } };
      const key = `${e?.constructor?.name ?? e?.name ?? typeof error}${typeof e?.code === 'string' ? `:${e.code}` : ''}`;
      report.errors[key] = (report.errors[key] ?? 0) + 1;
    } finally {
      report.settled++;
      report.pending--;
      report.slowestMs = Math.max(report.slowestMs, Date.now() - started);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(tracked), new Promise((resolve) => (timer = setTimeout(resolve, boundMs)))]);
  clearTimeout(timer);
  return { ...report, errors: { ...report.errors } };
}

/** Records `uncaughtException` and `unhandledRejection` while installed; `stop()` returns what came. */
export function watchProcessFaults(): { faults: unknown[]; stop(): unknown[] } {
  const faults: unknown[] = [];
  const record = (error: unknown) => faults.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    faults,
    stop() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
      return faults;
    },
  };
}
