import * as vscode from 'vscode';
import { Disposable } from '../../lifecycle';
import { ProblemNode, rootNodes, type TreeContext, type TreeNode } from './nodes';

/** Renders the EnvironmentsModel; it holds no data of its own. */
export class EnvironmentsProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ctx: TreeContext) {
    super();
    this.register(ctx.model.onDidChange(() => this.changed.fire(undefined)));
    this.register(ctx.history.onDidChange(() => this.changed.fire(undefined)));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    if (node) return node.children();
    const state = this.ctx.model.state;
    if (state.kind === 'failed') return [new ProblemNode(undefined, state.error, 'model')];
    return state.kind === 'loaded' ? rootNodes(this.ctx) : [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }
}
