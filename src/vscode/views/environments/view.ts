import * as vscode from 'vscode';
import type { Services } from '../../commands/types';
import { DisposableOwner } from '../../../core/util/lifecycle';
import { EnvironmentNode, type TreeNode } from './nodes';
import { EnvironmentsProvider } from './provider';

/** The Environments tree view: the provider, its visibility-driven refresh and the context keys menus use. */
export class EnvironmentsView extends DisposableOwner {
  readonly view: vscode.TreeView<unknown>;
  readonly provider: EnvironmentsProvider;

  constructor(s: Services) {
    super();
    const live = s.rollouts?.live;
    const rendered = new Map<string, EnvironmentNode>();
    const provider = (this.provider = this.register(new EnvironmentsProvider({ model: s.environments, history: s.history, trusted: () => vscode.workspace.isTrusted, live, rendered })));
    const view = vscode.window.createTreeView<TreeNode>('gitopsPilot.environments', { treeDataProvider: provider, showCollapseAll: true });
    this.view = this.register(view);
    if (live) {
      // watches run only while the view shows; pods and events only for expanded environments
      this.register(view.onDidChangeVisibility((e) => live.setActive(e.visible)));
      this.register(view.onDidExpandElement((e) => e.element instanceof EnvironmentNode && live.setExpanded(e.element.key, true)));
      this.register(view.onDidCollapseElement((e) => e.element instanceof EnvironmentNode && live.setExpanded(e.element.key, false)));
      live.setActive(view.visible);
      s.rollouts?.setRevealer(async (key) => {
        let node = rendered.get(key);
        if (!node) {
          await provider.getChildren();
          node = rendered.get(key);
        }
        if (node) await view.reveal(node, { expand: true, focus: true, select: true });
        return node !== undefined;
      });
    }
    const setState = () => void vscode.commands.executeCommand('setContext', 'gitopsPilot.environments.state', s.environments.state.kind);
    this.register(s.environments.onDidChange(setState));
    this.register(this.view.onDidChangeVisibility((e) => s.refresh.setVisible(e.visible)));
    s.refresh.setVisible(this.view.visible);
    // the first load starts when the view is first shown (VS Code activates us for it)
    if (s.environments.state.kind === 'loading') s.refresh.trigger('first load');
  }
}
