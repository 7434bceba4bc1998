import { decodeTree } from '../archiver/tree';
import type { TreeNode } from '../archiver/tree';
import type { Repository } from '../repository/repository';

/** One difference between two snapshots: `+` added, `-` removed, `M` content changed, `T` type changed, `U` metadata only. */
export interface DiffEntry {
  change: '+' | '-' | 'M' | 'T' | 'U';
  path: string;
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  return JSON.stringify(a.content ?? []) === JSON.stringify(b.content ?? []) && a.target === b.target;
}

/** What changed from snapshot `from` to snapshot `to` (subtrees with the same id are skipped unread). */
export async function diff(repository: Repository, from: string, to: string): Promise<DiffEntry[]> {
  const [a, b] = [await repository.snapshot(from), await repository.snapshot(to)];
  const out: DiffEntry[] = [];
  const nodes = async (tree: string | undefined) => (tree ? new Map(decodeTree(await repository.readBlob(tree)).nodes.map((n) => [n.name, n])) : new Map<string, TreeNode>());
  const walk = async (left: string | undefined, right: string | undefined, path: string): Promise<void> => {
    if (left === right) return;
    const [l, r] = [await nodes(left), await nodes(right)];
    for (const name of [...new Set([...l.keys(), ...r.keys()])].sort()) {
      const x = l.get(name);
      const y = r.get(name);
      const p = `${path}/${name}`;
      if (!y) out.push({ change: '-', path: p });
      else if (!x) out.push({ change: '+', path: p });
      else if (x.type !== y.type) out.push({ change: 'T', path: p });
      else if (x.type === 'dir') await walk(x.subtree, y.subtree, p);
      else if (!sameContent(x, y)) out.push({ change: 'M', path: p });
      else if (x.mode !== y.mode || x.mtimeMs !== y.mtimeMs) out.push({ change: 'U', path: p });
      if (x && !y && x.type === 'dir') await walk(x.subtree, undefined, p);
      if (y && !x && y.type === 'dir') await walk(undefined, y.subtree, p);
    }
  };
  await walk(a.tree, b.tree, '');
  return out;
}
