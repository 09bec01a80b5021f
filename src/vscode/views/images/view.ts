import * as vscode from 'vscode';
import { DisposableOwner } from '../../../core/util/lifecycle';
import type { ImagesModel } from '../../../core/workspace/images';
import { ImagesProvider } from './provider';

/**
 * The Images tree view. It loads when first shown and again on Refresh, after a push, and when trust or
 * the workspace's projects change while it is visible; nothing polls, and nothing loads while it is hidden.
 */
export class ImagesView extends DisposableOwner {
  readonly view: vscode.TreeView<unknown>;
  readonly provider: ImagesProvider;
  private stale = true;
  private projectsSeen = '';

  /** `projectsKey` names the image repositories the workspace builds; the list reloads when it changes. */
  constructor(
    private readonly model: ImagesModel,
    onProjectsChanged: (l: () => void) => { dispose(): void },
    private readonly projectsKey: () => string,
  ) {
    super();
    this.provider = this.register(new ImagesProvider(model));
    this.view = this.register(vscode.window.createTreeView('gitopsPilot.images', { treeDataProvider: this.provider, showCollapseAll: true }));
    const setState = () => void vscode.commands.executeCommand('setContext', 'gitopsPilot.images.state', model.state.kind);
    this.register({ dispose: model.onDidChange(setState).dispose });
    this.register(this.view.onDidChangeVisibility((e) => e.visible && this.stale && this.refresh()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.markStale()));
    this.register(
      onProjectsChanged(() => {
        const key = this.projectsKey();
        if (key === this.projectsSeen) return;
        this.projectsSeen = key;
        this.markStale();
      }),
    );
    if (this.view.visible) this.refresh();
  }

  /** Reloads now (Refresh button, after a push). */
  refresh(): Promise<void> {
    this.stale = false;
    this.projectsSeen = this.projectsKey();
    return this.model.reload();
  }

  /** The data may be out of date: reload now if visible, else when next shown. */
  markStale(): void {
    this.stale = true;
    if (this.view.visible) void this.refresh();
  }
}
