import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { InvalidKeyError, ObjectNotFoundError } from '../errors';
import { assertKey } from '../key';

/** Internal folders under the root, never listed and never valid as a key's first segment. */
export const META = '.core-meta';
/** Temp files of puts in progress. */
export const TMP = '.core-tmp';

/**
 * Longest key segment on local disk, in bytes: file systems allow 255 per name, and the sidecar of a
 * segment adds `.json` and a temp suffix (`.<uuid>.tmp`) to it.
 */
export const MAX_SEGMENT_BYTES = 200;

/**
 * Where a key lives under the root, proven to stay inside it: keys are checked, symlinks resolved
 * before anything is created, and a key that clashes with a folder (or a folder with a file) is refused
 * before a byte is written.
 */
export class LocalPaths {
  readonly #root: string;
  #realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  /** The root with symlinks resolved (created on first use). */
  real(): Promise<string> {
    this.#realRoot ??= mkdir(this.#root, { recursive: true }).then(() => realpath(this.#root));
    return this.#realRoot;
  }

  /** Throws `InvalidKeyError` unless `key` is a valid object key on local disk. */
  assertObjectKey(key: string): void {
    assertKey(key);
    const segments = key.split('/');
    if (segments[0] === META || segments[0] === TMP) throw new InvalidKeyError(`keys starting with "${segments[0]}/" are reserved by the local provider`);
    const long = segments.find((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES);
    if (long) throw new InvalidKeyError(`key segment "${long.slice(0, 24)}…" is ${Buffer.byteLength(long)} bytes; local disk takes at most ${MAX_SEGMENT_BYTES} per segment`);
  }

  /** The file of an existing object's key, inside the real root. */
  async existing(key: string): Promise<string> {
    this.assertObjectKey(key);
    const root = await this.real();
    const path = join(root, key);
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw new ObjectNotFoundError(key);
      throw error;
    }
    if (!inside(root, real)) throw new InvalidKeyError(`key "${key}" resolves outside the storage root`);
    return path;
  }

  /**
   * The file a key will be written to, its folders created. The deepest folder that exists is
   * resolved first, so a symlink out of the root is refused before anything is created through it;
   * a key whose file is a folder, or whose folder is a file, is refused the same way.
   */
  async forWrite(key: string): Promise<string> {
    this.assertObjectKey(key);
    const root = await this.real();
    const path = join(root, key);
    const segments = key.split('/');
    let folder = root;
    for (const segment of segments.slice(0, -1)) {
      const next = join(folder, segment);
      const info = await lstat(next).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (!info) break;
      if (info.isSymbolicLink()) {
        if (!inside(root, await realpath(next))) throw new InvalidKeyError(`key "${key}" resolves outside the storage root`);
      } else if (!info.isDirectory()) {
        throw new InvalidKeyError(`cannot store "${key}": "${relative(root, next)}" is an object, not a folder`);
      }
      folder = next;
    }
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new InvalidKeyError(`cannot store "${key}": it is a folder holding other keys`);
    await mkdir(dirname(path), { recursive: true });
    if (!inside(root, await realpath(dirname(path)))) throw new InvalidKeyError(`key "${key}" resolves outside the storage root`);
    return path;
  }

  /** The folder under the root named by `folder` (`a/b/` or empty), if it exists and lies inside the root. */
  async listStart(folder: string): Promise<string | undefined> {
    const root = await this.real();
    if (folder === '') return root;
    const first = folder.split('/')[0];
    if (first === META || first === TMP) return undefined; // internal folders hold no objects
    const path = join(root, folder.slice(0, -1));
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
    // A symlinked folder is never walked (walk skips links), so it is not a place to start from either.
    return real === path ? real : undefined;
  }

  /** Every file below `dir` as a key (internal folders and symlinks skipped). */
  async walk(dir: string, keys: string[] = []): Promise<string[]> {
    const root = await this.real();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (dir === root && (entry.name === META || entry.name === TMP)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await this.walk(path, keys);
      else if (entry.isFile()) keys.push(relative(root, path).split(sep).join('/'));
    }
    return keys;
  }
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root + sep);
}
