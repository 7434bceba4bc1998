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

/**
 * Timestamp-based tag invalidation: `invalidate(tags)` records "now" per tag; an entry carrying a tag
 * is dead if it was created at or before that time. Nothing is scanned or deleted. Times live in the
 * shared tier so every instance sees them; each instance keeps a local copy, refreshed from the shared
 * tier after `refreshMs` and at once when the bus reports an invalidation.
 */
export class TagRegistry {
  readonly #known = new Map<string, KnownTag>();

  constructor(
    private readonly l2: L2Tier | undefined,
    private readonly refreshMs: number,
    private readonly onL2Error: (error: unknown) => void,
  ) {}

  /** Marks the tags invalidated now, here and in the shared tier. */
  async invalidate(tags: string[]): Promise<void> {
    const now = preciseNow();
    for (const tag of tags) this.#known.set(tag, { at: now, checkedAt: now });
    await this.l2
      ?.setMany(tags.map((tag) => ({ key: TAG_KEY_PREFIX + tag, value: now, ttl: 0 })))
      .catch(this.onL2Error);
  }

  /** Another instance invalidated these tags: take the time of hearing it (never earlier than the real one). */
  heard(tags: string[]): void {
    const now = preciseNow();
    for (const tag of tags) this.#known.set(tag, { at: now, checkedAt: now });
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
    return tags.some((tag) => (this.#known.get(tag)?.at ?? 0) >= createdAt);
  }
}
