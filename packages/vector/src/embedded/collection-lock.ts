import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CollectionLockedError } from '../errors';

/** Who holds a collection's write lock. */
interface Holder {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The single-writer lock of an embedded collection: a `writer.lock` file created exclusively, holding
 * the writer's pid and host. A lock left by a process that no longer runs (killed with SIGKILL) is
 * taken over at once, so a crash never needs a manual unlock; one held by a live process on this host
 * is a `CollectionLockedError`. (A lease that expires, as proper-lockfile does, would make every reopen
 * after a crash wait out the lease.)
 */
export class CollectionLock {
  readonly #path: string;
  #released = false;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Takes the lock of the collection in `dir`, or throws `CollectionLockedError`. */
  static async acquire(dir: string, name: string): Promise<CollectionLock> {
    const path = join(dir, 'writer.lock');
    const me: Holder = { pid: process.pid, host: hostname() };
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written whole under a private name, then hard-linked into place: link fails if the lock
      // exists, and the lock is never seen half-written.
      const mine = `${path}.${process.pid}`;
      await writeFile(mine, JSON.stringify(me));
      try {
        await link(mine, path);
        return new CollectionLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await rm(mine, { force: true });
      }
      const holder = await readHolder(path);
      if (holder && (holder.host !== me.host || alive(holder.pid))) {
        const who = holder.host === me.host ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
        throw new CollectionLockedError(`collection "${name}" is open for writing by ${who}; close it there, or open this store with readOnly: true`);
      }
      await rm(path, { force: true }); // stale: its writer is gone
    }
    throw new CollectionLockedError(`collection "${name}": another process took the write lock at the same moment; try again`);
  }

  /** Gives the lock up (idempotent). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await rm(this.#path, { force: true });
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? (holder as Holder) : undefined;
  } catch {
    return undefined; // torn or vanished: treated as stale
  }
}
