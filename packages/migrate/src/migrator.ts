import { EventEmitter } from 'node:events';
import { Umzug, type MigrateUpOptions, type UmzugStorage } from 'umzug';
import type { HeldLock, LockOptions, MigrationDriver, Work } from './driver';
import {
  ChecksumMismatchError,
  InvalidMigrationError,
  IrreversibleMigrationError,
  MigrationError,
  MigrationFailedError,
  MigrationPreviouslyFailedError,
  MissingMigrationError,
} from './errors';
import type { HistoryRow, Migration } from './migration';
import { byVersion, loadMigrations } from './migration-source';
import { diffSnapshots } from './schema-snapshot';
import { splitStatements } from './sql-statements';

/** Options of the runner. */
export interface MigratorOptions {
  driver: MigrationDriver;
  /** Folder with the migration files. */
  directory: string;
  /** Lock behaviour (default: wait up to 60 s). */
  lock?: Partial<LockOptions>;
  /**
   * Longest a migration's statement waits for a table lock, ms (default 5,000; per file with
   * `-- migrate:lock-timeout`). A DDL statement queued behind a long transaction blocks every other
   * session on that table while it waits, so it gives up early instead and is retried.
   */
  lockTimeoutMs?: number;
  /** Retries of a transactional migration that hit its lock timeout (default 3), with doubling delays. */
  lockRetries?: number;
  /** First delay before such a retry, ms (default 1,000). */
  lockRetryDelayMs?: number;
}

/** Where one migration stands. */
export interface MigrationStatus {
  name: string;
  /**
   * `changed`: applied, but the file's checksum differs; `missing`: applied, but the file is gone;
   * `failed`: run outside a transaction, it failed partway (see `repair`).
   */
  state: 'applied' | 'baseline' | 'pending' | 'changed' | 'missing' | 'failed';
  checksum: string | undefined;
  appliedChecksum: string | undefined;
  appliedAt: Date | undefined;
  /** A pending `.sql` file whose up section is still empty: write it before `up`. */
  empty?: boolean;
}

/** Progress of a run, for CLIs and logs. */
export interface MigrationProgress {
  event: 'migrating' | 'migrated' | 'reverting' | 'reverted';
  name: string;
  index: number;
  total: number;
}

/** What a dry run would do. */
export interface MigrationPlan {
  /**
   * `rehearsed: false` for a migration that runs outside a transaction: it cannot run inside the
   * rolled-back one (`CREATE INDEX CONCURRENTLY` refuses to), so its statements are listed, not run.
   */
  migrations: Array<{ name: string; statements: string[]; rehearsed: boolean }>;
}

/** Outcome of `verify`. */
export type VerifyReport =
  | { ok: true; checked: string[]; irreversible: string[] }
  | { ok: false; migration: string; step: 'down' | 'up again'; differences: string[]; checked: string[] };

/** Options of `up`. */
export type UpOptions = { to?: string; step?: number };
/** Options of `down` (`to: 0` reverts everything). */
export type DownOptions = { to?: string | 0; step?: number };

/**
 * The migration runner: umzug orders the migrations and picks what `to` / `step` select; this class
 * adds the lock, the re-read of history under it, checksums, one transaction per migration with its
 * history row written inside that same transaction (umzug's storage callback runs after the
 * migration, where a crash would leave schema and history disagreeing), dry runs and `verify`.
 */
export class Migrator extends EventEmitter<{ progress: [MigrationProgress] }> {
  readonly #driver: MigrationDriver;
  readonly #directory: string;
  readonly #lock: LockOptions;
  readonly #lockTimeoutMs: number;
  readonly #lockRetries: number;
  readonly #lockRetryDelayMs: number;

  constructor(options: MigratorOptions) {
    super();
    this.#driver = options.driver;
    this.#directory = options.directory;
    this.#lock = { wait: true, timeoutMs: 60_000, ...options.lock };
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 5_000;
    this.#lockRetries = options.lockRetries ?? 3;
    this.#lockRetryDelayMs = options.lockRetryDelayMs ?? 1_000;
  }

  /** The folder the migrations are read from. */
  get directory(): string {
    return this.#directory;
  }

  /** Every migration known to the files or the history, in order, with its state. */
  async status(): Promise<MigrationStatus[]> {
    const [migrations, history] = await Promise.all([loadMigrations(this.#directory), this.#history()]);
    return statusOf(migrations, history);
  }

  /** Throws if an applied migration changed or disappeared; otherwise returns the status. */
  async validate(): Promise<MigrationStatus[]> {
    const status = await this.status();
    assertValid(status, await loadMigrations(this.#directory));
    return status;
  }

  /** Applies pending migrations (all, up `to` one, or `step` of them) under the lock. */
  async up(options: UpOptions = {}): Promise<string[]> {
    const migrations = await loadMigrations(this.#directory);
    return this.#locked(async (lock) => {
      const history = await this.#driver.readHistory(); // re-read: another process may have just migrated
      assertValid(statusOf(migrations, history), migrations);
      assertNoEmpty(migrations, history, options);
      const umzug = this.#umzug(migrations, history, (m) => this.#apply(m, lock), (m) => this.#revert(m, lock));
      return run(() => umzug.up(upOptions(options, migrations)));
    });
  }

  /** Reverts the last migration, `step` of them, or down `to` one (inclusive; `0` = all). */
  async down(options: DownOptions = {}): Promise<string[]> {
    const migrations = await loadMigrations(this.#directory);
    return this.#locked(async (lock) => {
      const history = await this.#driver.readHistory();
      assertValid(statusOf(migrations, history), migrations);
      const umzug = this.#umzug(migrations, history, (m) => this.#apply(m, lock), (m) => this.#revert(m, lock));
      if (options.to !== undefined && options.to !== 0 && !history.some((h) => h.name === options.to)) {
        throw new InvalidMigrationError(`cannot revert to ${options.to}: it is not applied`);
      }
      return run(() => umzug.down(options.step !== undefined ? { step: positive(options.step) } : options.to !== undefined ? { to: options.to } : {}));
    });
  }

  /**
   * What `up` would do, without the lock and without writing anything: the pending migrations run in
   * a transaction that is rolled back (so their SQL is checked by the database), and every statement
   * is recorded.
   */
  async plan(options: UpOptions = {}): Promise<MigrationPlan> {
    const migrations = await loadMigrations(this.#directory);
    const plan: MigrationPlan = { migrations: [] };
    let current: string[] = [];
    await this.#driver.rehearse(async (work) => {
      await this.#driver.ensureHistory(); // inside the rolled-back transaction
      const history = await this.#driver.readHistory();
      assertValid(statusOf(migrations, history), migrations);
      assertNoEmpty(migrations, history, options);
      const umzug = this.#umzug(migrations, history, async (m) => {
        current = [];
        plan.migrations.push({ name: m.name, statements: current, rehearsed: m.transaction });
        if (m.transaction) await m.up(work.context);
        else if (m.sql) current.push(...splitStatements(m.sql.up));
      }, async () => undefined);
      await run(() => umzug.up(upOptions(options, migrations)));
    }, (sql) => current.push(sql));
    return plan;
  }

  /**
   * Accepts the current files of changed applied migrations by re-stamping their checksums, and
   * clears the record of migrations that failed partway outside a transaction (after you have put the
   * schema right by hand), so they run again.
   */
  async repair(): Promise<string[]> {
    const migrations = await loadMigrations(this.#directory);
    return this.#locked(async () => {
      const status = statusOf(migrations, await this.#driver.readHistory());
      const changed = status.filter((s) => s.state === 'changed');
      const failed = status.filter((s) => s.state === 'failed');
      await this.#driver.unitOfWork({ transaction: true }, async ({ history }) => {
        for (const s of changed) await history.updateChecksum(s.name, s.checksum!);
        for (const s of failed) await history.remove(s.name);
      });
      return [...changed, ...failed].map((s) => s.name);
    });
  }

  /** Marks every migration up to and including `version` as present in the schema, without running it. */
  async baseline(version: string): Promise<string[]> {
    const migrations = await loadMigrations(this.#directory);
    const last = migrations.findIndex((m) => m.name === version || m.name.startsWith(`${version}_`));
    if (last < 0) throw new InvalidMigrationError(`no migration named or versioned ${version}`);
    return this.#locked(async () => {
      const applied = new Set((await this.#driver.readHistory()).map((h) => h.name));
      const marked = migrations.slice(0, last + 1).filter((m) => !applied.has(m.name));
      await this.#driver.unitOfWork({ transaction: true }, async ({ history }) => {
        for (const m of marked) await history.insert({ name: m.name, checksum: m.checksum, executionMs: 0, kind: 'baseline' });
      });
      return marked.map((m) => m.name);
    });
  }

  /**
   * On a scratch schema: applies what is already applied, then for each pending migration runs
   * up → down → up and compares schema snapshots; reports the first migration whose down does not
   * restore the schema (or whose second up differs from the first).
   */
  async verify(): Promise<VerifyReport> {
    const migrations = await loadMigrations(this.#directory);
    const appliedNames = new Set((await this.#history()).map((h) => h.name));
    const { driver, drop } = await this.#driver.scratch();
    const checked: string[] = [];
    const irreversible: string[] = [];
    try {
      await driver.ensureHistory();
      const step = (m: Migration, fn: (work: Work) => Promise<void>, direction: 'up' | 'down') =>
        driver.unitOfWork({ transaction: m.transaction }, fn).catch((error: unknown) => {
          throw new MigrationFailedError(m.name, direction, error);
        });
      for (const m of migrations.filter((m) => appliedNames.has(m.name))) await step(m, (w) => m.up(w.context), 'up');
      for (const m of migrations.filter((m) => !appliedNames.has(m.name))) {
        checked.push(m.name);
        const before = await driver.snapshot();
        await step(m, (w) => m.up(w.context), 'up');
        const after = await driver.snapshot();
        if (!m.down) {
          irreversible.push(m.name);
          continue;
        }
        await step(m, (w) => m.down!(w.context), 'down');
        const reverted = diffSnapshots(before, await driver.snapshot());
        if (reverted.length > 0) return { ok: false, migration: m.name, step: 'down', differences: reverted, checked };
        await step(m, (w) => m.up(w.context), 'up');
        const again = diffSnapshots(after, await driver.snapshot());
        if (again.length > 0) return { ok: false, migration: m.name, step: 'up again', differences: again, checked };
      }
      return { ok: true, checked, irreversible };
    } finally {
      await drop();
    }
  }

  /** Closes the driver's connections. */
  async close(): Promise<void> {
    await this.#driver.close();
  }

  async #history(): Promise<HistoryRow[]> {
    await this.#driver.ensureHistory();
    return this.#driver.readHistory();
  }

  #locked<T>(fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    return this.#driver.withLock(this.#lock, async (lock) => {
      await this.#driver.ensureHistory();
      return fn(lock);
    });
  }

  #umzug(
    migrations: Migration[],
    history: HistoryRow[],
    up: (m: Migration) => Promise<void>,
    down: (m: Migration) => Promise<void>,
  ): Umzug<object> {
    const executed = history.filter((h) => h.kind !== 'failed').map((h) => h.name);
    // History rows are written by #apply / #revert inside each migration's transaction.
    const storage: UmzugStorage = {
      executed: async () => executed,
      logMigration: async ({ name }) => void executed.push(name),
      unlogMigration: async ({ name }) => void executed.splice(executed.indexOf(name), 1),
    };
    const umzug = new Umzug({
      migrations: migrations.map((m) => ({ name: m.name, path: m.path, up: () => up(m), down: () => down(m) })),
      context: {},
      storage,
      logger: undefined,
    });
    let index = 0;
    const total = () => migrations.length;
    for (const event of ['migrating', 'migrated', 'reverting', 'reverted'] as const) {
      umzug.on(event, ({ name }) => {
        if (event === 'migrating' || event === 'reverting') index++;
        this.emit('progress', { event, name, index, total: total() });
      });
    }
    return umzug;
  }

  /**
   * Applies one migration with its history row in the same unit of work, after checking the lock is
   * still held. A transactional migration that hit its lock timeout was rolled back whole, so it is
   * retried (doubling delays); one outside a transaction that fails is recorded as `failed`.
   */
  async #apply(m: Migration, lock: HeldLock): Promise<void> {
    const lockTimeoutMs = m.lockTimeoutMs ?? this.#lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      await lock.assertHeld();
      const started = performance.now();
      try {
        await this.#driver.unitOfWork({ transaction: m.transaction, lockTimeoutMs }, async ({ context, history }) => {
          await m.up(context);
          await history.insert({ name: m.name, checksum: m.checksum, executionMs: Math.round(performance.now() - started), kind: 'applied' });
        });
        return;
      } catch (error) {
        const retry = m.transaction && attempt < this.#lockRetries && this.#driver.isLockTimeout?.(error) === true;
        if (retry) {
          await new Promise((r) => setTimeout(r, this.#lockRetryDelayMs * 2 ** attempt));
          continue;
        }
        if (!m.transaction) await this.#driver.recordFailure?.({ name: m.name, checksum: m.checksum, executionMs: Math.round(performance.now() - started) }).catch(() => undefined);
        throw new MigrationFailedError(m.name, 'up', error);
      }
    }
  }

  async #revert(m: Migration, lock: HeldLock): Promise<void> {
    if (!m.down) throw new IrreversibleMigrationError(m.name);
    await lock.assertHeld();
    await this.#driver
      .unitOfWork({ transaction: m.transaction, lockTimeoutMs: m.lockTimeoutMs ?? this.#lockTimeoutMs }, async ({ context, history }) => {
        await m.down!(context);
        await history.remove(m.name);
      })
      .catch((error: unknown) => {
        throw new MigrationFailedError(m.name, 'down', error);
      });
  }
}

function statusOf(migrations: Migration[], history: HistoryRow[]): MigrationStatus[] {
  const applied = new Map(history.map((h) => [h.name, h]));
  const rows: MigrationStatus[] = migrations.map((m) => {
    const h = applied.get(m.name);
    const state = !h ? 'pending' : h.kind === 'failed' ? 'failed' : h.checksum !== m.checksum ? 'changed' : h.kind === 'baseline' ? 'baseline' : 'applied';
    return { name: m.name, state, checksum: m.checksum, appliedChecksum: h?.checksum, appliedAt: h?.appliedAt, ...(m.empty && !h ? { empty: true } : {}) };
  });
  const known = new Set(migrations.map((m) => m.name));
  for (const h of history) {
    if (!known.has(h.name)) rows.push({ name: h.name, state: 'missing', checksum: undefined, appliedChecksum: h.checksum, appliedAt: h.appliedAt });
  }
  return rows.sort((a, b) => byVersion(a.name, b.name));
}

function assertValid(status: MigrationStatus[], migrations: Migration[]): void {
  const failed = status.find((s) => s.state === 'failed');
  if (failed) throw new MigrationPreviouslyFailedError(failed.name);
  const changed = status.find((s) => s.state === 'changed');
  if (changed) {
    const file = migrations.find((m) => m.name === changed.name)!.path;
    throw new ChecksumMismatchError(changed.name, file, changed.appliedChecksum!, changed.checksum!);
  }
  const missing = status.filter((s) => s.state === 'missing').map((s) => s.name);
  if (missing.length > 0) throw new MissingMigrationError(missing);
}

/** Refuses a run that would reach a migration whose up section is still empty, before anything runs. */
function assertNoEmpty(migrations: Migration[], history: HistoryRow[], options: UpOptions): void {
  const applied = new Set(history.map((h) => h.name));
  const pending = migrations.filter((m) => !applied.has(m.name));
  const end = options.to !== undefined ? pending.findIndex((m) => m.name === options.to) + 1 : options.step ?? pending.length;
  const empty = pending.slice(0, end > 0 ? end : pending.length).find((m) => m.empty);
  if (empty) throw new InvalidMigrationError(`${empty.path}: the up section is empty; write the change (and its down) before running up`);
}

function upOptions(options: UpOptions, migrations: Migration[]): MigrateUpOptions {
  if (options.to !== undefined && options.step !== undefined) throw new InvalidMigrationError('give either "to" or "step", not both');
  if (options.to !== undefined && !migrations.some((m) => m.name === options.to)) {
    throw new InvalidMigrationError(`no migration named ${options.to}`);
  }
  if (options.step !== undefined) return { step: positive(options.step) };
  return options.to !== undefined ? { to: options.to } : {};
}

function positive(step: number): number {
  if (!Number.isInteger(step) || step < 1) throw new InvalidMigrationError(`step must be a positive integer, got ${step}`);
  return step;
}

/** Runs an umzug command and surfaces our own error rather than umzug's wrapper around it. */
async function run(command: () => Promise<Array<{ name: string }>>): Promise<string[]> {
  try {
    return (await command()).map((m) => m.name);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof MigrationError) throw cause;
    throw error;
  }
}
