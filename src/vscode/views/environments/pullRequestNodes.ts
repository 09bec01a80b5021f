/**
 * The promotion pull request of an environment with `pushMode: pull-request` in the Environments view: a
 * suffix for the environment's row (`PR #42 · 2/2 checks ✓ · approved`), its contextValue tokens (`pr=open`,
 * `prMergeable`, for Open in Browser and Merge), and a "Pull request" row under it. The same for the release
 * pull request of an environment of several apps (`release PR #3 · …`, a "Release pull request" row). Rendered from the
 * Workspace's PullRequestsModel; no I/O.
 */
import * as vscode from 'vscode';
import { describePullRequest } from '../../../core/pullRequests/flow';
import type { PullRequest } from '../../../core/pullRequests/types';
import type { PullRequestStatus } from '../../../core/workspace/pullRequests';
import type { EnvironmentGroup } from '../../../core/apps/matrix';
import type { EnvironmentEntry, ProjectEntry } from '../../../core/workspace/environments';
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

/** What a pull-request row is about: an environment (or one app's), or a release of several apps. */
interface RowSubject {
  readonly label: string;
  /** `prod`, or `api/prod` */
  readonly name: string;
  /** what the tooltip says while none is open */
  readonly none: string;
}

/** A pull-request row's item: what the host says, or why it cannot be read (with the next step). */
function pullRequestItem(id: string, status: PullRequestStatus, subject: RowSubject, node: TreeNode): vscode.TreeItem {
  const s = status;
  const pr = current(s);
  const item = new vscode.TreeItem(subject.label, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  const md = new vscode.MarkdownString(undefined, true);
  if (s.kind === 'failed') {
    item.description = s.error.message;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    md.appendMarkdown(`$(warning) ${escapeMarkdown(s.error.toUserString())}`);
    if (/^pr\.(noToken|unauthorized|forbidden)$/.test(s.error.code)) item.command = { command: 'gitopsPilot.setPullRequestToken', title: 'Set Pull Request Token…' };
  } else if (!pr) {
    item.description = s.kind === 'loaded' ? `none open: ${subject.none}` : 'reading…';
    item.iconPath = new vscode.ThemeIcon(s.kind === 'loaded' ? 'git-pull-request' : 'loading~spin');
    md.appendMarkdown(`${escapeMarkdown(subject.name)} changes only through a pull request (pushMode: pull-request).`);
  } else {
    item.description = `${describePullRequest(pr)}${pr.state === 'open' && pr.blocked ? ` (${pr.blocked})` : ''}${pr.state === 'open' ? '' : `: ${pr.title}`}`;
    item.iconPath = new vscode.ThemeIcon(STATE_ICON[pr.state], pr.state === 'open' && pr.review === 'changes-requested' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    md.appendMarkdown(`**${escapeMarkdown(pr.title)}**\n\n${escapeMarkdown(`${pr.head} → ${pr.base}`)} · ${pr.state}${pr.closedBy ? ` by ${escapeMarkdown(pr.closedBy)}` : ''}\n\n`);
    if (pr.state === 'open') md.appendMarkdown(`${pr.mergeable === false ? `$(circle-slash) cannot be merged: ${escapeMarkdown(pr.blocked ?? 'not mergeable')}` : pr.mergeable ? '$(check) mergeable' : 'mergeability: being computed'}\n\n`);
    md.appendMarkdown(`[Open in browser](${pr.url})`);
    item.command = { command: 'gitopsPilot.openPullRequest', title: 'Open in Browser', arguments: [node] };
  }
  if (s.kind === 'loading' && pr) item.description = `${item.description ?? ''} (refreshing)`;
  item.tooltip = md;
  item.contextValue = `;pullRequest;${pullRequestRow(s).tokens.join(';')};`;
  item.accessibilityInformation = { label: `${subject.label} of ${subject.name}: ${item.description ?? ''}` };
  return item;
}

/** The "Pull request" row of an environment (or of one app in it). */
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
    return pullRequestItem(this.id, this.status, { label: 'Pull request', name: this.entry.env.name, none: 'promoting opens one' }, this);
  }
}

/** The "Release pull request" row under an environment of several apps (`prod`): the one Promote All opens. */
export class ReleasePullRequestNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode, readonly projectEntry: ProjectEntry, readonly group: EnvironmentGroup, private readonly status: PullRequestStatus, idPrefix: string) {
    super(parent);
    this.id = `${idPrefix}:releasePullRequest`;
  }

  toTreeItem(): vscode.TreeItem {
    return pullRequestItem(this.id, this.status, { label: 'Release pull request', name: this.group.name, none: 'Promote All opens one' }, this);
  }
}

/** What the environment row of several apps adds: `release PR #3 · 1/1 checks ✓` and the menu tokens. */
export function releasePullRequestRow(status: PullRequestStatus | undefined): { summary?: string; tokens: string[] } {
  const row = pullRequestRow(status);
  return { summary: row.summary && `release ${row.summary}`, tokens: row.tokens.map((t) => (t === 'pullRequestMode' ? 'releasePullRequestMode' : t)) };
}
