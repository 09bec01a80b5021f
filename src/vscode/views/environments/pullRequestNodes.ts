/**
 * The promotion pull request of an environment with `pushMode: pull-request` in the Environments view: a
 * suffix for the environment's row (`PR #42 · 2/2 checks ✓ · approved`), its contextValue tokens (`pr=open`,
 * `prMergeable`, for Open in Browser and Merge), and a "Pull request" row under it. Rendered from the
 * Workspace's PullRequestsModel; no I/O.
 */
import * as vscode from 'vscode';
import { describePullRequest } from '../../../core/pullRequests/flow';
import type { PullRequest } from '../../../core/pullRequests/types';
import type { PullRequestStatus } from '../../../core/workspace/pullRequests';
import type { EnvironmentEntry } from '../../../core/workspace/environments';
import { escapeMarkdown } from '../../format';
import { TreeNode } from './treeNode';

/** What the environment's row adds: a short description and the menu tokens. */
export function pullRequestRow(status: PullRequestStatus | undefined): { summary?: string; tokens: string[] } {
  if (!status) return { tokens: [] };
  const pr = current(status);
  const tokens = ['pullRequestMode'];
  if (pr) tokens.push(`pr=${pr.state}`);
  if (pr?.state === 'open' && pr.mergeable !== false) tokens.push('prMergeable');
  // only an open one is news on the row; a merged or closed one shows in the child row
  return { summary: pr?.state === 'open' ? describePullRequest(pr) : undefined, tokens };
}

function current(s: PullRequestStatus): PullRequest | undefined {
  return s.kind === 'loaded' ? s.pr : s.kind === 'loading' || s.kind === 'failed' ? s.last : undefined;
}

const STATE_ICON: Record<PullRequest['state'], string> = { open: 'git-pull-request', merged: 'git-merge', closed: 'git-pull-request-closed' };

/** The "Pull request" row: what the host says, or why it cannot be read (with the next step). */
export class PullRequestNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode, readonly entry: EnvironmentEntry, private readonly status: PullRequestStatus, idPrefix: string) {
    super(parent);
    this.id = `${idPrefix}:pullRequest`;
  }

  /** for commands given this row: pickEnvironment reads `env` and `project` */
  get env(): EnvironmentEntry['env'] {
    return this.entry.env;
  }
  get project(): EnvironmentEntry['project'] {
    return this.entry.project;
  }

  toTreeItem(): vscode.TreeItem {
    const s = this.status;
    const pr = current(s);
    const item = new vscode.TreeItem('Pull request', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const md = new vscode.MarkdownString(undefined, true);
    if (s.kind === 'failed') {
      item.description = s.error.message;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      md.appendMarkdown(`$(warning) ${escapeMarkdown(s.error.toUserString())}`);
      if (/^pr\.(noToken|unauthorized|forbidden)$/.test(s.error.code)) item.command = { command: 'gitopsPilot.setPullRequestToken', title: 'Set Pull Request Token…' };
    } else if (!pr) {
      item.description = s.kind === 'loaded' ? 'none open: promoting opens one' : 'reading…';
      item.iconPath = new vscode.ThemeIcon(s.kind === 'loaded' ? 'git-pull-request' : 'loading~spin');
      md.appendMarkdown(`${escapeMarkdown(this.entry.env.name)} changes only through a pull request (pushMode: pull-request).`);
    } else {
      item.description = `${describePullRequest(pr)}${pr.state === 'open' && pr.blocked ? ` (${pr.blocked})` : ''}${pr.state === 'open' ? '' : `: ${pr.title}`}`;
      item.iconPath = new vscode.ThemeIcon(STATE_ICON[pr.state], pr.state === 'open' && pr.review === 'changes-requested' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
      md.appendMarkdown(`**${escapeMarkdown(pr.title)}**\n\n${escapeMarkdown(`${pr.head} → ${pr.base}`)} · ${pr.state}${pr.closedBy ? ` by ${escapeMarkdown(pr.closedBy)}` : ''}\n\n`);
      if (pr.state === 'open') md.appendMarkdown(`${pr.mergeable === false ? `$(circle-slash) cannot be merged: ${escapeMarkdown(pr.blocked ?? 'not mergeable')}` : pr.mergeable ? '$(check) mergeable' : 'mergeability: being computed'}\n\n`);
      md.appendMarkdown(`[Open in browser](${pr.url})`);
      item.command = { command: 'gitopsPilot.openPullRequest', title: 'Open in Browser', arguments: [this] };
    }
    if (s.kind === 'loading' && pr) item.description = `${item.description ?? ''} (refreshing)`;
    item.tooltip = md;
    item.contextValue = `;pullRequest;${pullRequestRow(s).tokens.join(';')};`;
    item.accessibilityInformation = { label: `Pull request of ${this.entry.env.name}: ${item.description ?? ''}` };
    return item;
  }
}
