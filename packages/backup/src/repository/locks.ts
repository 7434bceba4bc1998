import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RepositoryLockedError } from '../errors';
import type { RepositoryStore } from './store';

/** A lock file under `locks/` (plain JSON: stale-lock checks need no key). */
export interface LockFile {
  time: string;
  refreshed: string;
  exclusive: boolean;
  host: string;
  pid: number;
}

/** A lock not refreshed for this long is stale (its process is gone or cut off). */
export const STALE_AFTER_MS = 30 * 60_000;
const REFRESH_EVERY_MS = 5 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock's holder is gone: same host and its pid is dead, or not refreshed for 30 minutes. */
export function isStale(lock: LockFile, now = Date.now()): boolean {
  if (lock.host === hostname() && !processAlive(lock.pid)) return true;
  return now - Date.parse(lock.refreshed) > STALE_AFTER_MS;
}

/** A held lock: refreshes itself until released. */
export class HeldLock {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RepositoryStore,
    readonly id: string,
    private readonly file: LockFile,
  ) {
    this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    this.file.refreshed = new Date().toISOString();
    await this.store.putFile('locks', this.id, Buffer.from(JSON.stringify(this.file))).catch(() => undefined);
  }

  /** Removes the lock file. */
  async release(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.store.remove('locks', [this.id]);
  }
}

async function readLocks(store: RepositoryStore): Promise<Array<{ id: string; lock: LockFile }>> {
  const locks: Array<{ id: string; lock: LockFile }> = [];
  for (const { id } of await store.list('locks')) {
    const bytes = await store.getFile('locks', id);
    if (!bytes) continue;
    try {
      locks.push({ id, lock: JSON.parse(bytes.toString('utf8')) as LockFile });
    } catch {
      // a lock file cut short by a crash: treat as stale below
      locks.push({ id, lock: { time: '1970-01-01T00:00:00Z', refreshed: '1970-01-01T00:00:00Z', exclusive: false, host: '?', pid: 0 } });
    }
  }
  return locks;
}

/**
 * Takes a lock the way restic does: write our lock file, then list the others; an exclusive lock conflicts
 * with every live lock, a shared one only with live exclusive locks. On conflict ours is removed and the
 * holder named. Because each side writes before it looks, two racing processes cannot both win.
 */
export async function acquireLock(store: RepositoryStore, exclusive: boolean): Promise<HeldLock> {
  const id = randomBytes(16).toString('hex');
  const now = new Date().toISOString();
  const file: LockFile = { time: now, refreshed: now, exclusive, host: hostname(), pid: process.pid };
  await store.putFile('locks', id, Buffer.from(JSON.stringify(file)));
  const held = new HeldLock(store, id, file);
  try {
    for (const other of await readLocks(store)) {
      if (other.id === id || isStale(other.lock)) continue;
      if (exclusive || other.lock.exclusive) throw new RepositoryLockedError(other.lock);
    }
  } catch (error) {
    await held.release().catch(() => undefined);
    throw error;
  }
  return held;
}

/** Removes stale locks (or every lock with `all`); returns how many were removed. */
export async function removeLocks(store: RepositoryStore, all = false): Promise<number> {
  const stale = (await readLocks(store)).filter(({ lock }) => all || isStale(lock)).map(({ id }) => id);
  await store.remove('locks', stale);
  return stale.length;
}
