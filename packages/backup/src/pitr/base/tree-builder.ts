import { encodeTree } from '../../archiver/tree';
import type { TreeNode } from '../../archiver/tree';
import type { Repository } from '../../repository/repository';

interface DirEntry {
  node: TreeNode;
  children: TreeNode[];
}

/** Builds the snapshot's trees from tar entries, which arrive folder before contents. */
export class TreeBuilder {
  private readonly dirs = new Map<string, DirEntry>([['', { node: { name: '', type: 'dir', mode: 0o700, mtimeMs: 0, size: 0 }, children: [] }]]);

  private parentOf(path: string): DirEntry {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const found = this.dirs.get(parent);
    if (found) return found;
    this.addDir(parent, 0o700, Date.now());
    return this.dirs.get(parent)!;
  }

  addDir(path: string, mode: number, mtimeMs: number): void {
    if (this.dirs.has(path)) return;
    const node: TreeNode = { name: path.slice(path.lastIndexOf('/') + 1), type: 'dir', mode, mtimeMs, size: 0 };
    this.parentOf(path).children.push(node);
    this.dirs.set(path, { node, children: [] });
  }

  add(path: string, node: TreeNode): void {
    this.parentOf(path).children.push(node);
  }

  /** Stores every folder's tree, deepest first; resolves to the root tree id. */
  async save(repository: Repository): Promise<{ root: string; dirs: number }> {
    const paths = [...this.dirs.keys()].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
    for (const path of paths) {
      const dir = this.dirs.get(path)!;
      const nodes = dir.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      dir.node.subtree = (await repository.saveBlob('tree', encodeTree({ nodes }))).id;
    }
    return { root: this.dirs.get('')!.node.subtree!, dirs: this.dirs.size - 1 };
  }
}
