import * as vscode from 'vscode';
import type { Services } from '../../commands/types';
import { appsOf } from '../../../core/apps/matrix';
import { DisposableOwner } from '../../../core/util/lifecycle';
import { HistoryNode } from './historyNodes';
import { EnvironmentNode } from './nodes';
import type { TreeNode } from './treeNode';
import { EnvironmentsProvider } from './provider';

/**
 * The Environments tree view: the provider, the context keys menus use, and what the RefreshManager
 * needs to know (visibility; expanded environments and History rows). Loading is the Workspace's.
 */
export class EnvironmentsView extends DisposableOwner {
  readonly view: vscode.TreeView<unknown>;
  readonly provider: EnvironmentsProvider;

  constructor(s: Services) {
    super();
    const ws = s.workspace;
    const live = ws.live;
    const rendered = new Map<string, EnvironmentNode>();
    const grouping = s.grouping;
    const provider = (this.provider = this.register(new EnvironmentsProvider({ model: ws.environments, history: ws.history, trusted: () => vscode.workspace.isTrusted, live, pullRequests: ws.pullRequests, rendered, grouping: () => grouping.value })));
    this.register(grouping.onDidChange(() => provider.refreshAll()));
    const view = vscode.window.createTreeView<TreeNode>('gitopsPilot.environments', { treeDataProvider: provider, showCollapseAll: true });
    this.view = this.register(view);
    if (live) {
      s.rollouts?.setRevealer(async (key) => {
        // environments under a row (an app under its environment, a project) are built when it expands
        const node = await provider.findEnvironmentNode(key);
        if (node) await view.reveal(node, { expand: true, focus: true, select: true });
        return node !== undefined;
      });
    }
    const setState = () => {
      void vscode.commands.executeCommand('setContext', 'gitopsPilot.environments.state', ws.environments.state.kind);
      // the Group by Application / Environment toggle shows only when a project has several apps
      void vscode.commands.executeCommand('setContext', 'gitopsPilot.environments.multiApp', ws.environments.projects.some((p) => appsOf(p).length > 1));
    };
    this.register(ws.environments.onDidChange(setState));
    // pods and events are watched for expanded environments; a History is read while its rows show
    s.refresh.attachView('environments', view, (node) => (node instanceof EnvironmentNode ? { environmentKey: node.key } : node instanceof HistoryNode ? { historyFile: node.envNode.env.file } : undefined), provider.onDidShowChildren);
  }
}
