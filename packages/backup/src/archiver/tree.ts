/** One entry of a folder listing as stored in a tree blob. */
export interface TreeNode {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtimeMs: number;
  size: number;
  inode?: number;
  /** Data blob ids of a file, in order. */
  content?: string[];
  /** SHA-256 of a file's bytes: a restore checks each file against it. */
  sha256?: string;
  /** Tree blob id of a folder. */
  subtree?: string;
  /** Target of a symlink. */
  target?: string;
}

/** A folder listing: nodes sorted by name, names unique. */
export interface Tree {
  nodes: TreeNode[];
}

/** Serializes a tree for storage (a tree blob). */
export function encodeTree(tree: Tree): Buffer {
  return Buffer.from(JSON.stringify(tree));
}

/** Parses a tree blob. */
export function decodeTree(bytes: Buffer): Tree {
  return JSON.parse(bytes.toString('utf8')) as Tree;
}
