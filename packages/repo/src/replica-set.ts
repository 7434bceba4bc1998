import type { Endpoint } from './endpoint';

/** How replicas are chosen. */
export interface ReplicaOptions {
  /** Replicas further behind than this are skipped, ms (default 5,000). */
  maxLagMs?: number;
  /** How often each replica's lag is measured, ms (default 1,000). */
  lagCheckIntervalMs?: number;
}

/** A replica's last measured state. */
export interface ReplicaState {
  name: string;
  lagMs: number | undefined;
  healthy: boolean;
  breaker: 'closed' | 'open' | 'half-open';
}

// Caught up when everything received has been replayed; otherwise the age of the last replayed
// commit. A standby whose WAL receiver is not streaming (primary gone, network cut) has no way to know
// how far behind it is: NULL, unknown, so it is skipped — "nothing new received" is not "caught up".
const LAG_SQL = `SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL
  WHEN COALESCE(pg_last_wal_receive_lsn(), '0/0') <= pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000
END AS lag_ms`;

/**
 * The read replicas: each one's replication lag, measured in the background, and a round-robin
 * choice among those that are reachable, not behind by more than `maxLagMs`, and whose breaker is
 * closed.
 */
export class ReplicaSet {
  readonly #replicas: Endpoint[];
  readonly #lag = new Map<Endpoint, number | undefined>();
  readonly #maxLagMs: number;
  readonly #timer: NodeJS.Timeout | undefined;
  #next = 0;

  constructor(replicas: Endpoint[], options: ReplicaOptions = {}) {
    this.#replicas = replicas;
    this.#maxLagMs = options.maxLagMs ?? 5_000;
    if (replicas.length > 0) {
      this.#timer = setInterval(() => void this.refresh(), options.lagCheckIntervalMs ?? 1_000);
      this.#timer.unref();
    }
  }

  get size(): number {
    return this.#replicas.length;
  }

  /** Every replica endpoint, in configuration order. */
  all(): Endpoint[] {
    return [...this.#replicas];
  }

  /** Measures every replica's lag now. */
  async refresh(): Promise<void> {
    await Promise.all(
      this.#replicas.map(async (replica) => {
        try {
          const rows = await replica.run((c) => c.query<{ lag_ms: unknown }>(LAG_SQL), { timeoutMs: 2_000 });
          // Behind with nothing replayed yet since start: how far is unknown, so it counts as too far.
          const lag = rows[0]!.lag_ms;
          this.#lag.set(replica, lag === null ? Number.POSITIVE_INFINITY : Number(lag));
        } catch {
          this.#lag.set(replica, undefined); // unreachable: skipped until it answers again
        }
      }),
    );
  }

  /** Replicas to try for a read, best first: healthy ones in round-robin order. */
  candidates(): Endpoint[] {
    const healthy = this.#replicas.filter((r) => {
      const lag = this.#lag.get(r);
      return lag !== undefined && lag <= this.#maxLagMs && r.breakerState === 'closed';
    });
    if (healthy.length === 0) return [];
    const start = this.#next++ % healthy.length;
    return [...healthy.slice(start), ...healthy.slice(0, start)];
  }

  states(): ReplicaState[] {
    return this.#replicas.map((r) => {
      const lagMs = this.#lag.get(r);
      return { name: r.name, lagMs, healthy: lagMs !== undefined && lagMs <= this.#maxLagMs, breaker: r.breakerState };
    });
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#replicas.map((r) => r.close()));
  }
}
