import * as vscode from 'vscode';
import { DisposableOwner } from '../../../core/util/lifecycle';
import type { ImagesModel } from '../../../core/workspace/images';
import { MessageNode, problemNode, RepositoryNode, type ImageTreeNode } from './nodes';

/** Renders the Workspace's images; it holds no data and starts nothing. */
export class ImagesProvider extends DisposableOwner implements vscode.TreeDataProvider<ImageTreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<ImageTreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly childrenAsked = this.register(new vscode.EventEmitter<ImageTreeNode>());
  /** VS Code asked for a row's children: the row shows expanded (whether or not its expand event arrived). */
  readonly onDidShowChildren = this.childrenAsked.event;

  constructor(private readonly model: ImagesModel) {
    super();
    this.register({ dispose: model.onDidChange(() => this.changed.fire(undefined)).dispose });
  }

  getTreeItem(node: ImageTreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: ImageTreeNode): ImageTreeNode[] | Promise<ImageTreeNode[]> {
    if (node) {
      this.childrenAsked.fire(node);
      return node.children();
    }
    const state = this.model.state;
    switch (state.kind) {
      case 'loading':
        // shown, so the Workspace is reading it
        return [new MessageNode(undefined, 'images:loading', 'Loading repositories…', 'loading~spin')];
      case 'disabled':
        return [new MessageNode(undefined, 'images:disabled', state.reason, 'shield')];
      case 'empty':
        return [];
      case 'failed':
        return [problemNode(undefined, 'images', state.error)];
      default:
        return [...this.model.problems.map((p, i) => problemNode(undefined, `images:${i}`, p)), ...this.model.repositories.map((r) => new RepositoryNode(r))];
    }
  }

  getParent(node: ImageTreeNode): ImageTreeNode | undefined {
    return node.parent;
  }
}
