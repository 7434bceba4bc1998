import { preciseNow } from './clock';
import type { L2Tier } from './l2-tier';

/** Reserved key prefix for tag timestamps in the shared tier. */
export const TAG_KEY_PREFIX = '__core_tag__:';

interface KnownTag {
  /** When the tag was last invalidated (0: never). */
  at: number;
  /** When this instance last read it from the shared tier. */
  checkedAt: number;
}

/** Local tag times kept before the registry prunes what it no longer needs. */
const PRUNE_AT = 10_000;

/**
 * Timestamp-based tag invalidation: `invalidate(tags)` records "now" per tag; an entry carrying a tag
 * is dead if it was created at or before that time. Nothing is scanned or deleted. Times live in the
 * shared tier so every instance sees them; each instance keeps a local copy, refreshed from the shared
 * tier after `refreshMs` and at once when the bus reports an invalidation.
 *
 * Nothing grows without bound: tagged entries live at most `retentionMs` (the cache caps their TTL),
 * so an invalidation time older than that can no longer kill any entry — the shared tier's tag keys
 * expire after `retentionMs`, and the local copy drops such times (and times it can re-read) once it
 * holds more than 10,000 tags.
 */
export class TagRegistry {
  readonly #known = new Map<string, KnownTag>();

  constructor(
    private readonly l2: L2Tier | undefined,
    private readonly refreshMs: number,
    private readonly onL2Error: (error: unknown) => void,
    readonly retentionMs: number,
  ) {}

  /** Tags this instance holds a time for. */
  get size(): number {
    return this.#known.size;
  }

  /** Marks the tags invalidated now, here and in the shared tier. */
  async invalidate(tags: string[]): Promise<void> {
    const now = preciseNow();
    for (const tag of tags) this.#known.set(tag, { at: now, checkedAt: now });
    this.#prune();
    await this.l2
      ?.setMany(tags.map((tag) => ({ key: TAG_KEY_PREFIX + tag, value: now, ttl: this.retentionMs })))
      .catch(this.onL2Error);
  }

  /** Another instance invalidated these tags: take the time of hearing it (never earlier than the real one). */
  heard(tags: string[]): void {
    const now = preciseNow();
    for (const tag of tags) this.#known.set(tag, { at: now, checkedAt: now });
    this.#prune();
  }

  /** True when any of the tags was invalidated at or after `createdAt`. */
  async invalidates(tags: string[] | undefined, createdAt: number): Promise<boolean> {
    if (!tags || tags.length === 0) return false;
    const now = Date.now();
    const unknown = tags.filter((tag) => {
      const known = this.#known.get(tag);
      return known === undefined || (this.l2 !== undefined && now - known.checkedAt > this.refreshMs);
    });
    if (unknown.length > 0 && this.l2) {
      try {
        const times = await this.l2.getMany<number>(unknown.map((tag) => TAG_KEY_PREFIX + tag));
        unknown.forEach((tag, i) => {
          const local = this.#known.get(tag)?.at ?? 0;
          this.#known.set(tag, { at: Math.max(local, times[i] ?? 0), checkedAt: now });
        });
      } catch (error) {
        this.onL2Error(error); // keep deciding with what this instance knows
      }
    }
    this.#prune();
    return tags.some((tag) => (this.#known.get(tag)?.at ?? 0) >= createdAt);
  }

  /** Drops times that can no longer kill an entry, and (with a shared tier) times it can re-read. */
  #prune(): void {
    if (this.#known.size <= PRUNE_AT) return;
    const now = Date.now();
    for (const [tag, known] of this.#known) {
      const expired = now - known.at > this.retentionMs;
      const rereadable = this.l2 !== undefined && now - known.checkedAt > this.refreshMs;
      if (expired || rereadable) this.#known.delete(tag);
    }
  }
}
