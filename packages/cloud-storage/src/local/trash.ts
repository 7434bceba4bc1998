import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Errors after which a file is simply not parked: it is gone already, or lies on another file system. */
const NOT_PARKED = new Set(['ENOENT', 'EXDEV', 'EPERM', 'EMLINK']);

/**
 * Where replaced and deleted files wait to be freed. Freeing a large file is slow (about 150 ms per GiB
 * on ext4 here), and a put or delete that did it inline made its caller wait for space it no longer
 * needed; parked files are removed one at a time in the background, as MinIO does with its trash.
 * A file parked by a process that stopped is removed by the next sweep.
 */
export class Trash {
  readonly #dir: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Creates the folder and removes what an earlier process left in it. */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for (const name of await readdir(this.#dir)) this.release(join(this.#dir, name));
  }

  /** Hard-links `path` into the trash, so that replacing it by a rename frees nothing yet. */
  async hold(path: string): Promise<string | undefined> {
    return this.#park(path, link);
  }

  /** Moves `path` into the trash (an atomic delete); false if it could not be parked. */
  async discard(path: string): Promise<boolean> {
    const parked = await this.#park(path, rename);
    this.release(parked);
    return parked !== undefined;
  }

  /** Schedules a parked file for removal after those before it. */
  release(parked: string | undefined): void {
    if (parked === undefined) return;
    // A failed removal leaves the file for the next sweep; nothing waits on it but idle().
    this.#queue = this.#queue.then(() => rm(parked, { force: true })).catch(() => undefined);
  }

  /** Resolves once everything released so far has been removed. */
  idle(): Promise<void> {
    return this.#queue;
  }

  async #park(path: string, how: (from: string, to: string) => Promise<void>): Promise<string | undefined> {
    const parked = join(this.#dir, randomUUID());
    try {
      await how(path, parked);
      return parked;
    } catch (error) {
      if (NOT_PARKED.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
  }
}
