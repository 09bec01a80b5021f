/** An app of a multi-app project grouped app → environments (the view's "Group by Application"). */
import * as vscode from 'vscode';
import { appSummary, tallyHealth, worstHealth, type AppGroup } from '../../../core/apps/matrix';
import type { ProjectEntry } from '../../../core/workspace/environments';
import { healthIcon } from './clusterNodes';
import { EnvironmentNode } from './nodes';
import { TreeNode, type TreeContext } from './treeNode';

/** `api` with `3 environments · 1 behind · 1 degraded`; its environments (each with the app's live state) as children. */
export class AppGroupNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode | undefined, readonly projectEntry: ProjectEntry, readonly group: AppGroup, private readonly ctx: TreeContext) {
    super(parent);
    this.id = `appgroup:${projectEntry.project.root}:${group.app}`;
  }
  toTreeItem(): vscode.TreeItem {
    const { group } = this;
    const item = new vscode.TreeItem(group.app, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    const health = group.entries.map((e) => this.ctx.live?.state(e)?.health);
    item.description = appSummary(this.projectEntry, group, health);
    const worst = worstHealth(tallyHealth(health));
    item.iconPath = worst ? healthIcon(worst, false) : new vscode.ThemeIcon('folder-library');
    item.tooltip = `${group.app}: ${item.description}\nEnvironments: ${group.entries.map((e) => e.env.name).join(' → ')}`;
    item.contextValue = ';appGroup;';
    item.accessibilityInformation = { label: `Application ${group.app}, ${item.description}` };
    return item;
  }
  override children(): TreeNode[] {
    return this.group.entries.map((e) => new EnvironmentNode(this, e, this.ctx));
  }
}
