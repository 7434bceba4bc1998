import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDir, syncFile } from './durable';
import { TMP, type LocalPaths } from './local-paths';
import type { Meta, Sidecars } from './sidecar';
import { sweepStaleTemps } from './temp-sweep';
import { Trash } from './trash';

/**
 * How bytes become an object on local disk, and stop being one: a temp file flushed to the device,
 * then the metadata (naming the inode of those bytes and keeping the metadata it replaces), then a
 * rename into place and a flush of the folder. A put that returned survives a crash; one that did not
 * leaves the object as it was. Replaced and deleted files go to the trash, freed in the background;
 * temp files of crashed puts are swept when the root is first used.
 */
export class Publisher {
  readonly #paths: LocalPaths;
  readonly #sidecars: Sidecars;
  #trash: Promise<Trash> | undefined;
  #swept: Promise<void> | undefined;

  constructor(paths: LocalPaths, sidecars: Sidecars) {
    this.#paths = paths;
    this.#sidecars = sidecars;
  }

  /** The real root; the first use also sweeps, in the background, temp files of puts that crashed. */
  real(): Promise<string> {
    const root = this.#paths.real();
    this.#swept ??= root.then((r) => sweepStaleTemps(join(r, TMP))).then(
      () => undefined,
      () => undefined,
    );
    return root;
  }

  /** A fresh temp file name. */
  async tempFile(): Promise<string> {
    const dir = join(await this.real(), TMP);
    await mkdir(dir, { recursive: true });
    return join(dir, randomUUID());
  }

  /**
   * Publishes what `write` puts in `tmp` as `key` at `target`. On failure the temp file goes and the
   * metadata is put back as it was.
   */
  async commit(key: string, tmp: string, target: string, write: () => Promise<Meta>): Promise<Meta> {
    let previous: Meta | undefined | null = null; // null: the metadata was not touched yet
    try {
      const meta = await write();
      await syncFile(tmp);
      previous = await this.#sidecars.current(key, target);
      await this.#sidecars.write(key, { ...meta, ino: (await stat(tmp)).ino, previous: previous && withoutPrevious(previous) });
      await this.#replace(tmp, target);
      return meta;
    } catch (error) {
      await rm(tmp, { force: true });
      if (previous !== null) await (previous ? this.#sidecars.write(key, previous) : this.#sidecars.remove(key)).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Renames object `from` (at `source`) to `to` (at `target`). The bytes keep their inode through the
   * rename: a crash before it leaves `to` described by its previous metadata, after it by the moved one.
   */
  async move(from: string, source: string, to: string, target: string, meta: Meta): Promise<void> {
    const replaced = await this.#sidecars.current(to, target);
    await this.#sidecars.write(to, { ...meta, ino: (await stat(source)).ino, previous: replaced && withoutPrevious(replaced) });
    await this.#replace(source, target);
    await this.#sidecars.remove(from);
  }

  /** Deletes object `key` at `path`: its file to the trash (an atomic rename), then its metadata. */
  async remove(key: string, path: string): Promise<void> {
    if (!(await (await this.#openTrash()).discard(path))) await rm(path, { force: true });
    await this.#sidecars.remove(key);
  }

  /** Resolves once the sweep is done and the space of replaced and deleted files has been freed. */
  async idle(): Promise<void> {
    await this.#swept;
    if (this.#trash) await (await this.#trash).idle();
  }

  /** Renames `from` over `to` durably, leaving the file it replaces to the trash. */
  async #replace(from: string, to: string): Promise<void> {
    const trash = await this.#openTrash();
    const replaced = await trash.hold(to);
    try {
      await rename(from, to);
    } finally {
      trash.release(replaced);
    }
    await syncDir(dirname(to));
  }

  #openTrash(): Promise<Trash> {
    this.#trash ??= this.real().then(async (root) => {
      const trash = new Trash(join(root, TMP, 'trash'));
      await trash.open();
      return trash;
    });
    return this.#trash;
  }
}

function withoutPrevious(meta: Meta): Meta {
  const { previous: _previous, ...rest } = meta;
  return rest;
}
