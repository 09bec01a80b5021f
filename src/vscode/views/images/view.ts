import * as vscode from 'vscode';
import { DisposableOwner } from '../../../core/util/lifecycle';
import { tagKey, type ImagesModel } from '../../../core/workspace/images';
import type { RefreshManager } from '../../refreshManager';
import { RepositoryNode, TagNode } from './nodes';
import { ImagesProvider } from './provider';

/**
 * The Images tree view. What it shows and when it loads is the Workspace's decision (it loads when first
 * shown, on Refresh, after a push, when trust, the ECR settings or the projects' repositories change,
 * and never while hidden); the view only tells the RefreshManager when it shows.
 */
export class ImagesView extends DisposableOwner {
  readonly view: vscode.TreeView<unknown>;
  readonly provider: ImagesProvider;

  constructor(model: ImagesModel, refresh: RefreshManager) {
    super();
    this.provider = this.register(new ImagesProvider(model));
    this.view = this.register(vscode.window.createTreeView('gitopsPilot.images', { treeDataProvider: this.provider, showCollapseAll: true }));
    const setState = () => void vscode.commands.executeCommand('setContext', 'gitopsPilot.images.state', model.state.kind);
    this.register(model.onDidChange(setState));
    // a repository's tags and a tag's findings are read while their rows are expanded
    refresh.attachView('images', this.view, (node) => (node instanceof RepositoryNode ? { imageRow: node.entry.key } : node instanceof TagNode ? { imageRow: tagKey(node.entry) } : undefined), this.provider.onDidShowChildren);
  }
}
