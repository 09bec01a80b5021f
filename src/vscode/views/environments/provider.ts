import * as vscode from 'vscode';
import { DisposableOwner } from '../../../core/util/lifecycle';
import { rootNodes } from './nodes';
import { LoadingNode, ProblemNode, type TreeContext, type TreeNode } from './treeNode';

/** Renders the Workspace's environments, history and live state; it holds no data and starts nothing. */
export class EnvironmentsProvider extends DisposableOwner implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ctx: TreeContext) {
    super();
    this.register(ctx.model.onDidChange(() => this.changed.fire(undefined)));
    this.register(ctx.history.onDidChange(() => this.changed.fire(undefined)));
    if (ctx.live) this.register(ctx.live.onDidChange((key) => this.liveChanged(key)));
    this.register({ dispose: () => this.liveTimer && clearTimeout(this.liveTimer) });
  }

  private readonly liveKeys = new Set<string>();
  private liveTimer: NodeJS.Timeout | undefined;

  /** A cluster changed: re-render just that environment, coalescing bursts of watch events (50 ms). */
  private liveChanged(key: string): void {
    this.liveKeys.add(key);
    this.liveTimer ??= setTimeout(() => {
      this.liveTimer = undefined;
      const keys = [...this.liveKeys];
      this.liveKeys.clear();
      for (const k of keys) {
        const node = this.ctx.rendered?.get(k);
        if (node) this.changed.fire(node);
      }
    }, 50);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    // renders what the models hold; loading is the Workspace's (told by the RefreshManager what shows)
    if (node) return node.children();
    this.ctx.rendered?.clear();
    const state = this.ctx.model.state;
    if (state.kind === 'failed') return [new ProblemNode(undefined, state.error, 'model')];
    if (state.kind === 'loading') return [new LoadingNode(undefined, 'environments:loading', 'Loading environments…')];
    return state.kind === 'loaded' ? rootNodes(this.ctx) : [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }
}
