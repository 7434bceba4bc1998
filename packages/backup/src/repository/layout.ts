/** The kinds of files a repository holds, each under its own folder (restic's layout). */
export type FileKind = 'keys' | 'data' | 'index' | 'snapshots' | 'locks';

/** The key of the repository's config file. */
export const CONFIG_NAME = 'config';

/** The key of the verify ledger (which packs `verify --read-data` has read, and when). */
export const LEDGER_NAME = 'ledger';

/** The object key of a file of `kind` named `id`; packs are fanned out by their first two hex digits. */
export function fileKey(kind: FileKind, id: string): string {
  return kind === 'data' ? `data/${id.slice(0, 2)}/${id}` : `${kind}/${id}`;
}

/** The id of a file from its key (the last path segment). */
export function idOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
