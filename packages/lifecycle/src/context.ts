import type { ArchiveStore } from './archive/archive-store';
import type { LifecycleDatabase, TransactionOptions } from './database/database';
import type { Ledger } from './ledger/ledger';
import type { ProgressListener } from './progress';

/** Deadlines and limits every flow runs with. */
export interface RunLimits {
  /** Each batch statement's `lock_timeout`, ms. */
  lockTimeoutMs: number;
  /** Each batch statement's `statement_timeout`, ms. */
  statementTimeoutMs: number;
  /** Deadline of the planning queries (counts over the whole range), ms. */
  planTimeoutMs: number;
  /** A run whose heartbeat is older than this is taken over, ms. */
  leaseMs: number;
  /** Lock timeouts in a row before a run stops. */
  maxLockRetries: number;
}

/** What a flow (table, partitions, objects) runs with. */
export interface RunContext {
  db: LifecycleDatabase;
  ledger: Ledger;
  archives: ArchiveStore | undefined;
  limits: RunLimits;
  owner: string;
  now: Date;
  signal: AbortSignal | undefined;
  onProgress: ProgressListener | undefined;
}

/** Transaction deadlines of one batch. */
export function batchDeadlines(limits: RunLimits): TransactionOptions {
  return { lockTimeoutMs: limits.lockTimeoutMs, statementTimeoutMs: limits.statementTimeoutMs };
}

/** Transaction deadlines of planning queries. */
export function planDeadlines(limits: RunLimits): TransactionOptions {
  return { lockTimeoutMs: limits.lockTimeoutMs, statementTimeoutMs: limits.planTimeoutMs };
}
