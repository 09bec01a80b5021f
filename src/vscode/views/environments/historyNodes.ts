/** An environment's History rows: its deployments from git, as the Workspace last read them. */
import * as vscode from 'vscode';
import type { Environment } from '../../../core/config/model';
import type { DeployRecord } from '../../../core/gitops/history';
import { isReleaseSubject } from '../../../core/release/promote';
import { timeAgo } from '../../../core/util/time';
import type { EnvironmentNode } from './nodes';
import { DetailNode, LoadingNode, ProblemNode, TreeNode, type TreeContext } from './treeNode';

/** "History": the deployments of this environment from git log, loaded when expanded. */
export class HistoryNode extends TreeNode {
  readonly id: string;
  constructor(readonly envNode: EnvironmentNode, private readonly ctx: TreeContext) {
    super(envNode);
    this.id = `${envNode.id}:history`;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('History', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('history');
    item.contextValue = ';historyGroup;';
    item.tooltip = `Deployments of ${this.envNode.env.name}: commits that changed the image in ${this.envNode.env.relFile}`;
    return item;
  }
  /** What the history holds now; the Workspace reads it while these rows show, and again after a change. */
  override children(): TreeNode[] {
    if (!this.ctx.trusted()) return [new DetailNode(this, `${this.id}:untrusted`, 'History needs a trusted workspace', 'it runs git', 'shield')];
    const state = this.ctx.history.state(this.envNode.env);
    if (state.kind === 'failed') return [new ProblemNode(this, state.error, this.id)];
    if (state.kind !== 'loaded') return [new LoadingNode(this, `${this.id}:loading`, 'Reading the git history…')];
    if (!state.value.length) return [new DetailNode(this, `${this.id}:empty`, 'No deployments in the git history yet', undefined, 'info')];
    return state.value.map((r, i) => new HistoryEntryNode(this, r, i === 0));
  }
}

const HISTORY_ICONS: Record<DeployRecord['kind'], string> = { deploy: 'rocket', promote: 'arrow-up', rollback: 'discard', other: 'git-commit' };

export class HistoryEntryNode extends TreeNode {
  readonly id: string;
  constructor(readonly historyNode: HistoryNode, readonly record: DeployRecord, private readonly latest: boolean) {
    super(historyNode);
    this.id = `${historyNode.id}:${record.sha}`;
  }
  get env(): Environment {
    return this.historyNode.envNode.env;
  }
  toTreeItem(): vscode.TreeItem {
    const r = this.record;
    const item = new vscode.TreeItem(`${r.before?.tag ?? '∅'} → ${r.after?.tag ?? '∅'}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${r.author} · ${timeAgo(r.date)}`;
    item.iconPath = new vscode.ThemeIcon(HISTORY_ICONS[r.kind]);
    const md = new vscode.MarkdownString();
    md.appendText(`${r.subject}\n\n${r.sha.slice(0, 12)} · ${r.author} <${r.email}> · ${new Date(r.date).toLocaleString()}`);
    for (const [k, v] of Object.entries(r.trailers)) md.appendText(`\n${k}: ${v}`);
    item.tooltip = md;
    // the latest entry is what the environment runs now: rolling back "to" it would change nothing
    // a release commit (several apps in one commit) is rolled back as a whole: Roll Back Release
    item.contextValue = `;history;${!this.latest && r.after?.tag ? 'canRollbackTo;' : ''}${isReleaseSubject(r.subject) ? 'release;' : ''}`;
    item.accessibilityInformation = { label: `${r.kind} from ${r.before?.tag ?? 'nothing'} to ${r.after?.tag ?? 'nothing'} by ${r.author}, ${timeAgo(r.date)}` };
    return item;
  }
}
