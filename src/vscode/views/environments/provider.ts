import * as vscode from 'vscode';
import { DisposableOwner } from '../../../core/util/lifecycle';
import { isReleaseKey } from '../../../core/workspace/pullRequests';
import { AppGroupNode } from './appNodes';
import { showsGate } from './gates';
import { EnvironmentGroupNode, EnvironmentNode, rootNodes } from './nodes';
import { LoadingNode, ProblemNode, type TreeContext, type TreeNode } from './treeNode';

/** Renders the Workspace's environments, history and live state; it holds no data and starts nothing. */
export class EnvironmentsProvider extends DisposableOwner implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly childrenAsked = this.register(new vscode.EventEmitter<TreeNode>());
  /** VS Code asked for a row's children: the row shows expanded (whether or not its expand event arrived). */
  readonly onDidShowChildren = this.childrenAsked.event;

  constructor(private readonly ctx: TreeContext) {
    super();
    this.register(ctx.model.onDidChange(() => this.changed.fire(undefined)));
    this.register(ctx.history.onDidChange(() => this.changed.fire(undefined)));
    if (ctx.live) this.register(ctx.live.onDidChange((key) => this.liveChanged(key)));
    // a pull request changed: just its environment's row (coalesced like the cluster's changes)
    // (a release's pull request shows on its environment's row of several apps: those rows are few, render them all)
    if (ctx.pullRequests) this.register(ctx.pullRequests.onDidChange((key) => (isReleaseKey(key) ? this.changed.fire(undefined) : this.liveChanged(key))));
    this.register({ dispose: () => this.liveTimer && clearTimeout(this.liveTimer) });
    this.register({ dispose: () => this.gateTimer && clearInterval(this.gateTimer) });
  }

  /** Gates count minutes (soak 12m/30m, frozen until …): their rows are re-rendered once a minute while shown. */
  private gateTimer: NodeJS.Timeout | undefined;

  private tickGates(): void {
    if (this.gateTimer) return;
    this.gateTimer = setInterval(() => {
      const nodes = [...(this.ctx.rendered?.values() ?? [])].filter((n) => showsGate(n.entry));
      if (!nodes.length) {
        clearInterval(this.gateTimer);
        this.gateTimer = undefined;
      }
      for (const n of nodes) this.changed.fire(n);
    }, 60_000);
    this.gateTimer.unref?.();
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
      const sources = new Set<string>();
      for (const k of keys) {
        const node = this.ctx.rendered?.get(k);
        if (node) {
          // an app's health counts in its group's row (`1 degraded`): that row re-renders it too
          this.changed.fire(node.parent instanceof EnvironmentGroupNode || node.parent instanceof AppGroupNode ? node.parent : node);
          sources.add(`${node.entry.project.root}\0${node.entry.env.id}`);
        }
      }
      // an environment's gate follows its source's cluster
      for (const n of this.ctx.rendered?.values() ?? []) {
        if (n.entry.env.promoteFrom !== undefined && sources.has(`${n.entry.project.root}\0${n.entry.env.promoteFrom}`) && !keys.includes(n.key)) this.changed.fire(n);
      }
    }, 50);
  }

  /** Renders every row again (the grouping changed). */
  refreshAll(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node instanceof EnvironmentNode && showsGate(node.entry)) this.tickGates();
    return node.toTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    // renders what the models hold; loading is the Workspace's (told by the RefreshManager what shows)
    if (node) {
      this.childrenAsked.fire(node);
      return node.children();
    }
    this.ctx.rendered?.clear();
    const state = this.ctx.model.state;
    if (state.kind === 'failed') return [new ProblemNode(undefined, state.error, 'model')];
    if (state.kind === 'loading') return [new LoadingNode(undefined, 'environments:loading', 'Loading environments…')];
    return state.kind === 'loaded' ? rootNodes(this.ctx) : [];
  }

  /**
   * The row of an environment, for a reveal: the one VS Code shows when it is rendered, else one built on
   * the side (an app under a collapsed row) that VS Code resolves by its id. Never touches the rendered rows:
   * a row re-rendered on a live change must be the object VS Code knows, or the change is lost.
   */
  async findEnvironmentNode(key: string): Promise<EnvironmentNode | undefined> {
    const shown = this.ctx.rendered?.get(key);
    if (shown) return shown;
    if (this.ctx.model.state.kind !== 'loaded') return undefined;
    const aside = new Map<string, EnvironmentNode>();
    const ctx: TreeContext = { ...this.ctx, rendered: aside };
    for (const r of rootNodes(ctx)) if (!(r instanceof EnvironmentNode) && !aside.has(key)) await r.children();
    return aside.get(key);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }
}
