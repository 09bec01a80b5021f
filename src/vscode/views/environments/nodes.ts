/** Tree nodes of the Environments view. Each turns model data into a TreeItem; none does I/O. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Environment } from '../../../core/config/model';
import { formatLocation, toPilotError, type PilotError, type SourceLocation } from '../../../core/errors';
import { environmentContextValue } from './contextValue';
import { timeAgo } from '../../../core/util/time';
import type { DeployRecord } from '../../../core/gitops/history';
import type { HistoryModel } from './historyModel';
import type { EnvironmentEntry, EnvironmentsModel, ProjectEntry } from './model';

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
}

export function openAt(file: string, loc?: Pick<SourceLocation, 'line' | 'col'>): vscode.Command {
  const pos = new vscode.Position(Math.max(0, (loc?.line ?? 1) - 1), Math.max(0, (loc?.col ?? 1) - 1));
  return { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(pos, pos), preview: true }] };
}

export function imageText(repository: string | undefined, tag: string | undefined, digest?: string): string {
  const repo = repository ? basename(repository) : undefined;
  const t = tag ?? 'tag not set';
  return [repo, digest ? `${t}@${digest.slice(0, 19)}…` : t].filter(Boolean).join(' ');
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

export class EnvironmentNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode | undefined, readonly entry: EnvironmentEntry, private readonly ctx: TreeContext) {
    super(parent);
    this.id = `env:${entry.project.root}:${entry.env.id}`;
  }

  get env(): Environment {
    return this.entry.env;
  }

  toTreeItem(): vscode.TreeItem {
    const { env, file } = this.entry;
    const item = new vscode.TreeItem(env.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    if (file.ok) {
      const d = file.declared;
      item.description = imageText(d.repository, d.tag, d.digest);
      item.iconPath = new vscode.ThemeIcon(env.protected ? 'lock' : 'server-environment');
    } else {
      item.description = 'error';
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    }
    item.contextValue = environmentContextValue(env, { fileOk: file.ok, hasTag: file.ok && file.declared.tag !== undefined });
    item.tooltip = this.tooltip();
    item.accessibilityInformation = { label: `Environment ${env.name}, ${file.ok ? `image ${item.description}` : `error: ${file.error.message}`}` };
    return item;
  }

  private tooltip(): vscode.MarkdownString {
    const { env, file } = this.entry;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(env.name)}**${env.protected ? ' $(lock) protected' : ''}\n\n`);
    md.appendMarkdown(`File: \`${env.relFile}\`\n\n`);
    if (file.ok) {
      const d = file.declared;
      md.appendMarkdown(`Image: \`${d.repository ?? '?'}:${d.tag ?? '(not set)'}${d.digest ? `@${d.digest}` : ''}\`\n\n`);
    } else md.appendMarkdown(`$(error) ${escape(file.error.toUserString())}\n\n`);
    if (env.promoteFrom) md.appendMarkdown(`Promotes from: ${this.nameOf(env.promoteFrom)}\n\n`);
    if (env.promotesTo.length) md.appendMarkdown(`Promotes to: ${env.promotesTo.map((id) => this.nameOf(id)).join(', ')}\n\n`);
    return md;
  }

  private nameOf(id: string): string {
    return this.ctx.model.find(id, this.entry.project.root)?.env.name ?? id;
  }

  override children(): TreeNode[] {
    const { env, file } = this.entry;
    const rows: TreeNode[] = [];
    if (file.ok) {
      const d = file.declared;
      const ref = `${d.repository ?? '?'}:${d.tag ?? '(not set)'}${d.digest ? `@${d.digest}` : ''}`;
      rows.push(new DetailNode(this, `${this.id}:image`, 'Image', ref, 'package', openAt(env.file, d.location), 'The image this environment declares in git'));
    } else {
      rows.push(new ProblemNode(this, file.error, this.id));
    }
    rows.push(new DetailNode(this, `${this.id}:file`, 'File', env.relFile, 'file', openAt(env.file, file.ok ? file.declared.location : undefined), env.file));
    if (env.promoteFrom) rows.push(new DetailNode(this, `${this.id}:from`, 'Promotes from', this.nameOf(env.promoteFrom), 'arrow-left'));
    if (env.promotesTo.length) rows.push(new DetailNode(this, `${this.id}:to`, 'Promotes to', env.promotesTo.map((id) => this.nameOf(id)).join(', '), 'arrow-right'));
    rows.push(new HistoryNode(this, this.ctx));
    return rows;
  }
}

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
  override async children(): Promise<TreeNode[]> {
    if (!this.ctx.trusted()) return [new DetailNode(this, `${this.id}:untrusted`, 'History needs a trusted workspace', 'it runs git', 'shield')];
    try {
      const records = await this.ctx.history.get(this.envNode.env);
      if (!records.length) return [new DetailNode(this, `${this.id}:empty`, 'No deployments in the git history yet', undefined, 'info')];
      return records.map((r, i) => new HistoryEntryNode(this, r, i === 0));
    } catch (err) {
      return [new ProblemNode(this, toPilotError(err), this.id)];
    }
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
    item.contextValue = `;history;${!this.latest && r.after?.tag ? 'canRollbackTo;' : ''}`;
    item.accessibilityInformation = { label: `${r.kind} from ${r.before?.tag ?? 'nothing'} to ${r.after?.tag ?? 'nothing'} by ${r.author}, ${timeAgo(r.date)}` };
    return item;
  }
}

export class GroupNode extends TreeNode {
  readonly id: string;
  constructor(
    parent: TreeNode | undefined,
    idKey: string,
    private readonly label: string,
    private readonly description: string | undefined,
    private readonly icon: string,
    private readonly build: (self: GroupNode) => TreeNode[],
  ) {
    super(parent);
    this.id = `group:${idKey}`;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = this.description;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = ';group;';
    return item;
  }
  override children(): TreeNode[] {
    return this.build(this);
  }

}

/** Root rows: project problems, then environments (grouped by app, and by project when several). */
export function rootNodes(ctx: TreeContext): TreeNode[] {
  const projects = ctx.model.projects;
  if (projects.length === 1) return projectChildren(undefined, projects[0]!, ctx);
  return projects.map(
    (p) =>
      new GroupNode(undefined, p.project.root, basename(p.project.root), p.project.gitopsRoot !== p.project.root ? `→ ${basename(p.project.gitopsRoot)}` : undefined, 'repo', (self) =>
        projectChildren(self, p, ctx),
      ),
  );
}

function projectChildren(parent: TreeNode | undefined, p: ProjectEntry, ctx: TreeContext): TreeNode[] {
  const rows: TreeNode[] = p.project.problems.map((e) => new ProblemNode(parent, e, `project:${p.project.root}`));
  const apps = [...new Set(p.environments.map((e) => e.env.app).filter((a): a is string => a !== undefined))];
  if (!apps.length) return [...rows, ...p.environments.map((e) => new EnvironmentNode(parent, e, ctx))];
  for (const app of apps) {
    rows.push(
      new GroupNode(parent, `${p.project.root}:${app}`, app, undefined, 'folder-library', (self) =>
        p.environments.filter((e) => e.env.app === app).map((e) => new EnvironmentNode(self, e, ctx)),
      ),
    );
  }
  rows.push(...p.environments.filter((e) => e.env.app === undefined).map((e) => new EnvironmentNode(parent, e, ctx)));
  return rows;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
