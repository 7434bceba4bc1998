import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from './context';
import { LifecycleAbortedError, LockTimeoutError } from './errors';

/** Pause between batches unless a policy sets `batch.pauseMs`, ms (the base of the back-off after a lock timeout too). */
export const DEFAULT_PAUSE_MS = 50;

/** Waits `ms`, or throws `LifecycleAbortedError` as soon as the run is cancelled. */
export async function pause(ctx: RunContext, policy: string, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  } catch {
    throw new LifecycleAbortedError(policy);
  }
}

/**
 * Runs a step again after a lock or statement timeout, `onRetry` (which shrinks the batch) and an
 * exponential pause (`basePauseMs` × 2ⁿ, at most 5 s); gives up with `LockTimeoutError` after the
 * run's `maxLockRetries`. Any other failure passes through at once.
 */
export async function withLockRetry<T>(ctx: RunContext, policy: string, basePauseMs: number, onRetry: () => void, step: () => Promise<T>): Promise<{ value: T; lockTimeouts: number }> {
  let lockTimeouts = 0;
  for (;;) {
    try {
      return { value: await step(), lockTimeouts };
    } catch (error) {
      const kind = ctx.db.failureOf(error);
      if (kind !== 'lock-timeout' && kind !== 'statement-timeout') throw error;
      lockTimeouts++;
      if (lockTimeouts > ctx.limits.maxLockRetries) throw new LockTimeoutError(policy, lockTimeouts, { cause: error });
      onRetry();
      await pause(ctx, policy, Math.min(5_000, Math.max(50, basePauseMs) * 2 ** (lockTimeouts - 1)));
    }
  }
}
