import { hostname } from 'node:os';
import type { Repository } from '../repository/repository';
import type { SourceRef } from '../repository/snapshot';

/** One check a drill ran on the restored copy. */
export interface DrillCheck {
  name: string;
  ok: boolean;
  /** What the check returned (a query's first value, `ok` of an integrity check). */
  value?: string;
  message?: string;
}

/** A restore drill's outcome, as recorded in the repository under `drills/`. */
export interface DrillRecord {
  kind: 'postgres' | 'sqlite' | 'redis';
  source: SourceRef;
  /** The snapshot restored (undefined when there was none to restore). */
  snapshot: string | undefined;
  /** When the drill started (ISO 8601, UTC). */
  time: string;
  host: string;
  ok: boolean;
  /** The error that failed the drill. */
  error?: string;
  /** Measured recovery time objective: from the start to a restored copy that passed its integrity check. */
  rtoMs: number | undefined;
  durationMs: number;
  /** The newest point the drill proved restorable: the last transaction replayed, or the snapshot's time. */
  newestRestorable?: { time?: string; lsn?: string };
  checks: DrillCheck[];
}

/** Where drill records live. */
const DRILLS = 'drills/';

/** Records a drill in the repository (sealed like every other file). */
export async function saveDrill(repository: Repository, record: DrillRecord): Promise<string> {
  const { id, bytes } = repository.files.encode('drill', record);
  await repository.store.put(`${DRILLS}${record.time.replace(/[:.]/g, '')}-${id.slice(0, 16)}`, bytes);
  return id;
}

/** Every recorded drill, oldest first (optionally of one kind). */
export async function listDrills(repository: Repository, kind?: DrillRecord['kind']): Promise<DrillRecord[]> {
  const records: DrillRecord[] = [];
  for (const object of (await repository.store.listNames(DRILLS)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const bytes = await repository.store.get(object.name);
    if (!bytes) continue;
    const record = repository.files.decode<DrillRecord>('drill', bytes);
    if (!kind || record.kind === kind) records.push(record);
  }
  return records;
}

/** A drill as it runs: checks collect here, then `finish` times and records it. */
export class DrillRun {
  readonly started = new Date();
  readonly checks: DrillCheck[] = [];
  snapshot: string | undefined;
  rtoMs: number | undefined;
  newestRestorable: DrillRecord['newestRestorable'];

  constructor(
    private readonly repository: Repository,
    readonly kind: DrillRecord['kind'],
    readonly source: SourceRef,
  ) {}

  /** Marks the copy as restored and checked: the RTO is the time until now. */
  restored(): void {
    this.rtoMs = Date.now() - this.started.getTime();
  }

  /** Records the drill (failed when `error` is given or a check failed) and returns the record. */
  async finish(error?: unknown): Promise<DrillRecord> {
    const failed = error !== undefined || this.checks.some((check) => !check.ok);
    const record: DrillRecord = {
      kind: this.kind,
      source: this.source,
      snapshot: this.snapshot,
      time: this.started.toISOString(),
      host: hostname(),
      ok: !failed,
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
      rtoMs: failed ? undefined : this.rtoMs,
      durationMs: Date.now() - this.started.getTime(),
      ...(this.newestRestorable && !failed ? { newestRestorable: this.newestRestorable } : {}),
      checks: this.checks,
    };
    await saveDrill(this.repository, record);
    return record;
  }
}

/** A check the caller gives: a query on the restored copy, and what its first value must be. */
export interface DrillQuery {
  name: string;
  sql: string;
  /** The expected first value, or a predicate on it; without it the value is only recorded. */
  expect?: string | ((value: string) => boolean);
}

/** Runs one caller-given check and records it. */
export async function runQueryCheck(run: DrillRun, query: DrillQuery, execute: (sql: string) => Promise<string>): Promise<void> {
  try {
    const value = await execute(query.sql);
    const ok = query.expect === undefined ? true : typeof query.expect === 'function' ? query.expect(value) : value === query.expect;
    run.checks.push({ name: query.name, ok, value, ...(ok ? {} : { message: `got ${JSON.stringify(value)}${typeof query.expect === 'string' ? `, expected ${JSON.stringify(query.expect)}` : ''}` }) });
  } catch (error) {
    run.checks.push({ name: query.name, ok: false, message: (error as Error).message });
  }
}
