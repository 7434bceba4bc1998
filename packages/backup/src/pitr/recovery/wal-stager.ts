import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repository } from '../../repository/repository';
import type { ArchivedWal } from '../wal/wal-archive';
import { fetchWal } from '../wal/wal-archive';

/** Exit status the restore script gives for damaged WAL: above 125, so PostgreSQL aborts recovery instead of ending it there. */
const ABORT_RECOVERY = 128;
/** Segments fetched ahead of the one the server asked for last. */
const AHEAD = 4;

/**
 * Serves archived WAL to a recovering server through a folder: the server's `restore_command` is a small
 * shell script that asks for a file (`want/`), waits for this process to fetch it (`have/`) and copies it.
 * Fetching runs ahead of what was asked for in the order recovery reads, so the server rarely waits for
 * storage, and the repository is opened once (not once per segment, as a command per file would).
 * A file the archive does not hold is answered at once with exit 1 (the end of the archive); one that
 * fails its check is answered with exit 128, so recovery aborts rather than ending early as if it were done.
 */
export class WalStager {
  private readonly fetched = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling = false;
  /** The first file that failed to fetch, and why. */
  failure: { name: string; error: Error } | undefined;
  /** Files handed to the server. */
  served = 0;

  constructor(
    private readonly repository: Repository,
    private readonly systemId: string,
    private readonly files: ArchivedWal[],
    readonly dir: string,
  ) {}

  /** The `restore_command` to write into the recovering cluster's configuration. */
  get restoreCommand(): string {
    return `sh ${join(this.dir, 'restore.sh')} "%f" "%p"`;
  }

  /** Writes the folder, the script and the list of archived names; starts answering. */
  async start(): Promise<void> {
    await mkdir(join(this.dir, 'want'), { recursive: true });
    await mkdir(join(this.dir, 'have'), { recursive: true });
    await mkdir(join(this.dir, 'failed'), { recursive: true });
    await writeFile(join(this.dir, 'list'), this.files.map((file) => file.name).join('\n') + '\n');
    await writeFile(
      join(this.dir, 'restore.sh'),
      [
        '#!/bin/sh',
        `S='${this.dir}'`,
        'grep -qxF "$1" "$S/list" || exit 1',
        ': > "$S/want/$1"',
        'i=0',
        'while [ ! -e "$S/have/$1" ]; do',
        `  [ -e "$S/failed/$1" ] && exit ${ABORT_RECOVERY}`,
        `  [ -e "$S/stopped" ] && exit ${ABORT_RECOVERY}`,
        '  i=$((i+1)); [ $i -gt 60000 ] && exit ' + ABORT_RECOVERY,
        '  sleep 0.01',
        'done',
        'cp "$S/have/$1" "$2" && rm -f "$S/want/$1"',
        '',
      ].join('\n'),
    );
    this.timer = setInterval(() => void this.poll(), 10);
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    this.polling = true;
    try {
      const wanted = await readdir(join(this.dir, 'want')).catch(() => [] as string[]);
      for (const name of wanted) {
        // The server asks again for a file it has read (the last segment, at the end of recovery): fetch it anew.
        if (this.fetched.has(name) && !existsSync(join(this.dir, 'have', name)) && !existsSync(join(this.dir, 'failed', name))) this.fetched.delete(name);
        this.fetch(name);
        const at = this.files.findIndex((file) => file.name === name);
        if (at < 0 || this.files[at]!.kind === 'history') continue;
        await this.dropBefore(at);
        for (const next of this.files.slice(at + 1).filter((file) => file.kind === 'segment').slice(0, AHEAD)) this.fetch(next.name);
      }
    } finally {
      this.polling = false;
    }
  }

  /** Removes fetched segments older than the one asked for (the server has read them), keeping the disk use to a few segments. */
  private async dropBefore(at: number): Promise<void> {
    for (const file of this.files.slice(0, at)) {
      if (file.kind !== 'segment' || !this.fetched.has(file.name)) continue;
      await rm(join(this.dir, 'have', file.name), { force: true });
    }
  }

  private fetch(name: string): void {
    if (this.fetched.has(name) || this.inFlight.has(name) || this.stopped) return;
    const task = fetchWal(this.repository, name, join(this.dir, 'have', name), { systemId: this.systemId })
      .then(async (found) => {
        this.fetched.add(name);
        if (found) this.served++;
        else await writeFile(join(this.dir, 'failed', name), 'missing');
      })
      .catch(async (error: Error) => {
        this.failure ??= { name, error };
        this.fetched.add(name);
        await writeFile(join(this.dir, 'failed', name), error.message).catch(() => undefined);
      })
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, task);
  }

  /** Stops answering (a waiting script gives up) and removes the folder. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await writeFile(join(this.dir, 'stopped'), '').catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}
