import * as vscode from 'vscode';
import type { Services } from '../../commands/types';
import { Disposable } from '../../lifecycle';
import { EnvironmentsProvider } from './provider';

/** The Environments tree view: the provider, its visibility-driven refresh and the context keys menus use. */
export class EnvironmentsView extends Disposable {
  readonly view: vscode.TreeView<unknown>;
  readonly provider: EnvironmentsProvider;

  constructor(s: Services) {
    super();
    const provider = (this.provider = this.register(new EnvironmentsProvider({ model: s.environments, history: s.history, trusted: () => vscode.workspace.isTrusted })));
    this.view = this.register(vscode.window.createTreeView('gitopsPilot.environments', { treeDataProvider: provider, showCollapseAll: true }));
    const setState = () => void vscode.commands.executeCommand('setContext', 'gitopsPilot.environments.state', s.environments.state.kind);
    this.register(s.environments.onDidChange(setState));
    this.register(this.view.onDidChangeVisibility((e) => s.refresh.setVisible(e.visible)));
    s.refresh.setVisible(this.view.visible);
    // the first load starts when the view is first shown (VS Code activates us for it)
    if (s.environments.state.kind === 'loading') s.refresh.trigger('first load');
  }
}
