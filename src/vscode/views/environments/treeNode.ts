/** The base of the Environments view's rows, and the rows every part uses (details, problems, loading). */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { formatLocation, type PilotError, type SourceLocation } from '../../../core/errors';
import type { Grouping } from '../../../core/apps/matrix';
import type { EnvironmentsModel } from '../../../core/workspace/environments';
import type { HistoryModel } from '../../../core/workspace/history';
import type { LiveModel } from '../../../core/workspace/live';
import type { PullRequestsModel } from '../../../core/workspace/pullRequests';
import type { EnvironmentNode } from './nodes';

export abstract class TreeNode {
  abstract readonly id: string;
  abstract toTreeItem(): vscode.TreeItem;
  children(): TreeNode[] | Promise<TreeNode[]> {
    return [];
  }
  constructor(readonly parent: TreeNode | undefined) {}
}

/** What nodes read from: the models, never I/O of their own. */
export interface TreeContext {
  readonly model: EnvironmentsModel;
  readonly history: HistoryModel;
  readonly trusted: () => boolean;
  /** the cluster side: live state per environment (absent: no cluster rows) */
  readonly live?: LiveModel;
  /** promotion pull requests of pull-request environments (absent: no pull-request rows) */
  readonly pullRequests?: PullRequestsModel;
  /** EnvironmentNodes by entryKey as last rendered, so one environment can be refreshed alone */
  readonly rendered?: Map<string, EnvironmentNode>;
  /** how a multi-app project is grouped (env → apps when absent) */
  readonly grouping?: () => Grouping;
}

export function openAt(file: string, loc?: Pick<SourceLocation, 'line' | 'col'>): vscode.Command {
  const pos = new vscode.Position(Math.max(0, (loc?.line ?? 1) - 1), Math.max(0, (loc?.col ?? 1) - 1));
  return { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(pos, pos), preview: true }] };
}

export class ProblemNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode | undefined, readonly error: PilotError, idPrefix: string) {
    super(parent);
    this.id = `${idPrefix}:problem:${error.code}:${error.location ? formatLocation(error.location) : error.message}`;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.error.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const loc = this.error.location;
    item.description = loc ? `${basename(loc.file)}:${loc.line}:${loc.col}` : undefined;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    item.tooltip = new vscode.MarkdownString().appendText(this.error.toUserString());
    item.contextValue = ';problem;';
    if (loc) item.command = openAt(loc.file, loc);
    return item;
  }
}

export class DetailNode extends TreeNode {
  constructor(
    parent: TreeNode,
    readonly id: string,
    private readonly label: string,
    private readonly description: string | undefined,
    private readonly icon: string,
    private readonly command?: vscode.Command,
    private readonly tooltip?: string,
  ) {
    super(parent);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.description;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.command = this.command;
    item.tooltip = this.tooltip;
    item.contextValue = ';detail;';
    return item;
  }
}

/** A row saying data is on its way (the Workspace is reading it). */
export class LoadingNode extends TreeNode {
  constructor(parent: TreeNode | undefined, readonly id: string, private readonly label: string) {
    super(parent);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = ';loading;';
    return item;
  }
}
