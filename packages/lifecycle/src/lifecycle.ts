import { hostname } from 'node:os';
import type { StorageProvider } from '@core/cloud-storage';
import { ArchiveStore } from './archive/archive-store';
import type { RunContext, RunLimits } from './context';
import type { LifecycleDatabase } from './database/database';
import { eraseSubject } from './erasure/erase-subject';
import type { ErasureReceipt } from './erasure/erase-subject';
import { InvalidPolicyError, UnsupportedError } from './errors';
import type { RunRecord } from './ledger/ledger';
import { Ledger } from './ledger/ledger';
import { planObjects, runObjects } from './objects/run-objects';
import type { ObjectPlan, ObjectResult } from './objects/run-objects';
import { runPartitions } from './partitions/run-partitions';
import type { PartitionPlan, PartitionResult } from './partitions/run-partitions';
import { parseErasureMap, parsePolicies } from './policy/parse-policies';
import type { ErasureMap, Policy } from './policy/policy-schema';
import type { ProgressListener } from './progress';
import { runTable } from './table/run-table';
import type { TablePlan } from './table/plan-table';
import type { TableResult } from './table/run-table';

/** Options of `Lifecycle`. */
export interface LifecycleOptions {
  /** Policies as written in a config file; validated here (`InvalidPolicyError` names each bad field). */
  policies: unknown[];
  /** The database of the table and partition policies; it also holds the ledger. */
  database?: LifecycleDatabase;
  /** Where archives go; `passphrase` seals them (AES-256-GCM, key from scrypt). */
  archive?: { storage: StorageProvider; prefix?: string; passphrase?: string };
  /** The store object policies apply to. */
  objects?: StorageProvider;
  /** Tables holding a subject's rows, for `erase`. */
  erasure?: unknown;
  /** Prefix of the ledger's tables (default `core_lifecycle`: `core_lifecycle_runs`, `_batches`, `_erasures`). */
  ledgerPrefix?: string;
  /** Deadlines (defaults: lock 2 s, statement 30 s, planning 120 s, lease 60 s, 5 lock timeouts in a row). */
  limits?: Partial<RunLimits>;
  /** Who runs (shown when another runner finds the lease held; default host:pid). */
  owner?: string;
}

/** Options of one `run` or `plan`. */
export interface RunOptions {
  /** Only these policies (default all, in the order given). */
  policies?: string[];
  /** Cancels between batches; the run is recorded as interrupted and resumes next time. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** The clock the ages count from (default now). */
  now?: Date;
}

/** What a plan says about one policy. */
export type PolicyPlan = TablePlan | PartitionPlan | ObjectPlan;
/** What a run did for one policy. */
export type PolicyResult = TableResult | PartitionResult | ObjectResult;

/** Counts since this instance was made, for @core/monitor. */
export interface LifecycleStats {
  runs: number;
  failures: number;
  rowsArchived: number;
  rowsDeleted: number;
  objectsExpired: number;
  /** Per policy: when it last finished without error (ms since epoch) and its last error, if the last run failed. */
  policies: Record<string, { lastSuccessMs: number | undefined; lastError: string | undefined }>;
}

const DEFAULT_LIMITS: RunLimits = { lockTimeoutMs: 2_000, statementTimeoutMs: 30_000, planTimeoutMs: 120_000, leaseMs: 60_000, maxLockRetries: 5 };

/**
 * Retention and archival for tables, partitions and objects. `plan()` says what would happen (the
 * same code as `run()`, stopping before the first write); `run()` archives, verifies and deletes in
 * adaptive batches, recording every step in a ledger so a crashed run resumes where it stopped.
 */
export class Lifecycle {
  readonly policies: Policy[];
  readonly #options: LifecycleOptions;
  readonly #ledger: Ledger | undefined;
  readonly #archives: ArchiveStore | undefined;
  readonly #erasure: ErasureMap | undefined;
  readonly #limits: RunLimits;
  readonly #stats: LifecycleStats = { runs: 0, failures: 0, rowsArchived: 0, rowsDeleted: 0, objectsExpired: 0, policies: {} };

  constructor(options: LifecycleOptions) {
    this.policies = parsePolicies(options.policies);
    this.#erasure = options.erasure === undefined ? undefined : parseErasureMap(options.erasure);
    if (options.ledgerPrefix !== undefined && !/^[a-z_][a-z0-9_]{0,40}$/.test(options.ledgerPrefix)) throw new InvalidPolicyError([{ path: 'ledgerPrefix', message: 'must be lower-case letters, digits and _ (at most 41)' }]);
    const needsDb = this.policies.some((p) => p.kind !== 'objects') || this.#erasure;
    if (needsDb && !options.database) throw new InvalidPolicyError([{ path: 'database', message: 'table, partition and erasure policies need a database' }]);
    if (this.policies.some((p) => p.kind === 'objects') && !options.objects) throw new InvalidPolicyError([{ path: 'objects', message: 'object policies need the store they apply to' }]);
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#ledger = options.database ? new Ledger(options.database, options.ledgerPrefix) : undefined;
    this.#archives = options.archive ? new ArchiveStore(options.archive.storage, options.archive) : undefined;
    for (const p of this.policies) this.#stats.policies[p.name] = { lastSuccessMs: undefined, lastError: undefined };
  }

  #context(options: RunOptions): RunContext {
    return {
      db: this.#options.database!,
      ledger: this.#ledger!,
      archives: this.#archives,
      limits: this.#limits,
      owner: this.#options.owner ?? `${hostname()}:${process.pid}`,
      now: options.now ?? new Date(),
      signal: options.signal,
      onProgress: options.onProgress,
    };
  }

  #select(names: string[] | undefined): Policy[] {
    if (!names) return this.policies;
    return names.map((name) => {
      const policy = this.policies.find((p) => p.name === name);
      if (!policy) throw new InvalidPolicyError([{ path: 'policies', message: `no policy is named "${name}" (known: ${this.policies.map((p) => p.name).join(', ')})` }]);
      return policy;
    });
  }

  /** What each policy would do, without writing anything (a dry run). */
  async plan(options: RunOptions = {}): Promise<PolicyPlan[]> {
    const ctx = this.#context(options);
    const plans: PolicyPlan[] = [];
    for (const policy of this.#select(options.policies)) {
      if (policy.kind === 'objects') plans.push(await planObjects(this.#options.objects!, policy, ctx.now, options.signal));
      else if (policy.kind === 'partitions') plans.push((await runPartitions(ctx, policy, true)) as PartitionPlan);
      else plans.push((await runTable(ctx, policy, true)) as TablePlan);
    }
    return plans;
  }

  /** Runs the policies one after another; the first failure stops the run (what finished stays done). */
  async run(options: RunOptions = {}): Promise<PolicyResult[]> {
    const ctx = this.#context(options);
    const results: PolicyResult[] = [];
    for (const policy of this.#select(options.policies)) {
      this.#stats.runs++;
      try {
        let result: PolicyResult;
        if (policy.kind === 'objects') {
          result = await runObjects(this.#options.objects!, policy, ctx.now, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
          this.#stats.objectsExpired += result.expired;
          if (this.#ledger) await this.#recordObjects(ctx, result);
        } else if (policy.kind === 'partitions') {
          result = (await runPartitions(ctx, policy)) as PartitionResult;
          this.#stats.rowsArchived += result.rowsArchived;
        } else {
          result = (await runTable(ctx, policy)) as TableResult;
          this.#stats.rowsArchived += result.rowsArchived;
          this.#stats.rowsDeleted += result.rowsDeleted;
        }
        this.#stats.policies[policy.name] = { lastSuccessMs: Date.now(), lastError: undefined };
        results.push(result);
      } catch (error) {
        this.#stats.failures++;
        this.#stats.policies[policy.name] = { lastSuccessMs: this.#stats.policies[policy.name]?.lastSuccessMs, lastError: (error as Error).message };
        throw error;
      }
    }
    return results;
  }

  /** Keeps an object policy's run in the ledger too (one batch: objects expired as deleted, moved as archived), so `history()` shows every kind. */
  async #recordObjects(ctx: RunContext, result: ObjectResult): Promise<void> {
    const { run } = await ctx.ledger.open(result.policy, 'objects', ctx.owner, ctx.limits.leaseMs, async () => ({ cutoff: ctx.now.toISOString(), upTo: undefined, startAfter: undefined }));
    await ctx.ledger.addBatch(undefined, run, { seq: 0, status: 'done', firstKey: '[]', lastKey: '[]', archiveKey: undefined, sha256: undefined, rowsArchived: result.transitioned, rowsDeleted: result.expired, size: result.objects, durationMs: result.durationMs, error: undefined });
    await ctx.ledger.finish(run, 'done');
  }

  /** Deletes every row of one subject from the erasure map's tables, all or nothing; `dryRun` only counts. */
  async erase(subject: string | number, options: { dryRun?: boolean } = {}): Promise<ErasureReceipt> {
    if (!this.#erasure) throw new UnsupportedError('no erasure map was given; pass erasure: { tables: [{ table, column }] }');
    return eraseSubject(this.#context({}), this.#erasure, subject, options.dryRun ?? false);
  }

  /** Runs in the ledger, newest first (of one policy or all). */
  async history(policy?: string, limit = 20): Promise<RunRecord[]> {
    if (!this.#ledger) return [];
    return this.#ledger.history(policy, limit);
  }

  /** Counts since this instance was made. */
  stats(): LifecycleStats {
    return structuredClone(this.#stats);
  }

  /** Closes the database (when this lifecycle's options opened it through a connection string). */
  async close(): Promise<void> {
    await this.#options.database?.close();
  }
}
