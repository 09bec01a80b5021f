/** Tree nodes of the Environments view. Each turns model data into a TreeItem; none does I/O. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { groupByApp, groupByEnvironment, groupSummary, tallyHealth, worstHealth, type EnvironmentGroup } from '../../../core/apps/matrix';
import type { Environment } from '../../../core/config/model';
import type { LiveState } from '../../../core/kube/liveState';
import type { EnvironmentEntry, ProjectEntry } from '../../../core/workspace/environments';
import { entryKey } from '../../../core/workspace/live';
import { escapeMarkdown, imageText, shortImage } from '../../format';
import { ArgoNode, EventsGroupNode, FluxNode, HEALTH_WORDS, healthIcon, LiveProblemNode, RolloutGroupNode, SHORT_ERRORS } from './clusterNodes';
import { environmentContextValue } from './contextValue';
import { AppGroupNode } from './appNodes';
import { HistoryNode } from './historyNodes';
import { DetailNode, openAt, ProblemNode, TreeNode, type TreeContext } from './treeNode';
import { gateLines, treeGate } from './gates';
import { PullRequestNode, pullRequestRow, ReleasePullRequestNode, releasePullRequestRow } from './pullRequestNodes';

export class EnvironmentNode extends TreeNode {
  readonly id: string;
  /** `label`: the row's text when not the environment's name (an app under its environment's row) */
  constructor(parent: TreeNode | undefined, readonly entry: EnvironmentEntry, private readonly ctx: TreeContext, private readonly label?: string) {
    super(parent);
    this.id = `env:${entry.project.root}:${entry.env.id}`;
    ctx.rendered?.set(this.key, this);
  }

  get env(): Environment {
    return this.entry.env;
  }

  /** for commands given a node: pickEnvironment reads `env` and `project` */
  get project(): EnvironmentEntry['project'] {
    return this.entry.project;
  }

  /** entryKey: how the live model and the status bar name this environment */
  get key(): string {
    return entryKey(this.entry);
  }

  private get live(): LiveState | undefined {
    return this.ctx.live?.state(this.entry);
  }

  toTreeItem(): vscode.TreeItem {
    const { env, file } = this.entry;
    const item = new vscode.TreeItem(this.label ?? env.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const live = this.live;
    if (!file.ok) {
      item.description = 'error';
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    } else if (live) {
      // an error's full text is the child row's; the row says it short
      item.description = live.error ? (SHORT_ERRORS[live.error.code] ?? 'cluster error') : `${live.summary}${live.stale ? ' (reconnecting)' : ''}`;
      item.iconPath = healthIcon(live.health, env.protected);
    } else {
      const d = file.declared;
      item.description = imageText(d.repository, d.tag, d.digest);
      item.iconPath = new vscode.ThemeIcon(env.protected ? 'lock' : 'server-environment');
    }
    const gate = file.ok ? treeGate(this.entry, this.ctx.model, this.ctx.live) : undefined;
    if (gate) item.description = `${item.description} · ${gate.summary}`;
    const pr = pullRequestRow(this.ctx.pullRequests?.state(this.entry));
    if (pr.summary) item.description = `${item.description} · ${pr.summary}`;
    const target = this.ctx.live?.target(this.entry);
    item.contextValue = environmentContextValue(env, {
      fileOk: file.ok,
      hasTag: file.ok && file.declared.tag !== undefined,
      ...(target ? { target } : {}),
      mappedHere: this.ctx.live?.mappingSource(this.entry) === 'workspace',
      extra: pr.tokens,
    });
    item.tooltip = this.tooltip();
    if (gate) item.tooltip.appendMarkdown(`\n\n**Promotion from ${escape(gate.source ?? '')}**: ${escape(gate.summary)}\n\n${gateLines(gate)}`);
    const state = live ? `, ${HEALTH_WORDS[live.health]}` : '';
    item.accessibilityInformation = { label: `Environment ${env.name}, ${file.ok ? `${live ? live.summary : `image ${item.description}`}${state}` : `error: ${file.error.message}`}` };
    return item;
  }

  private tooltip(): vscode.MarkdownString {
    const { env, file } = this.entry;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMarkdown(env.name)}**${env.protected ? ' $(lock) protected' : ''}\n\n`);
    md.appendMarkdown(`File: \`${env.relFile}\`\n\n`);
    if (file.ok) {
      const d = file.declared;
      md.appendMarkdown(`Image: \`${d.repository ?? '?'}:${d.tag ?? '(not set)'}${d.digest ? `@${d.digest}` : ''}\`\n\n`);
    } else md.appendMarkdown(`$(error) ${escapeMarkdown(file.error.toUserString())}\n\n`);
    const target = this.ctx.live?.target(this.entry);
    if (target) {
      const live = this.live;
      const where = `${target.workload.kind}/${target.workload.name} in ${live?.namespace ?? target.namespace ?? '(context namespace)'}, context ${live?.context ?? target.context ?? '(current)'}`;
      md.appendMarkdown(`Runs: ${escapeMarkdown(where)}${this.ctx.live?.mappingSource(this.entry) === 'workspace' ? ' (picked in this workspace)' : ''}\n\n`);
      if (live?.workload) md.appendMarkdown(`Rollout: ${escapeMarkdown(live.workload.verdict.message)}\n\n`);
      if (live?.error) md.appendMarkdown(`$(error) ${escapeMarkdown(live.error.toUserString())}\n\n`);
    }
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
    const pr = this.ctx.pullRequests?.state(this.entry);
    if (pr) rows.push(new PullRequestNode(this, this.entry, pr, this.id));
    rows.push(...this.clusterRows());
    rows.push(new DetailNode(this, `${this.id}:file`, 'File', env.relFile, 'file', openAt(env.file, file.ok ? file.declared.location : undefined), env.file));
    if (env.promoteFrom) rows.push(new DetailNode(this, `${this.id}:from`, 'Promotes from', this.nameOf(env.promoteFrom), 'arrow-left'));
    if (env.promotesTo.length) rows.push(new DetailNode(this, `${this.id}:to`, 'Promotes to', env.promotesTo.map((id) => this.nameOf(id)).join(', '), 'arrow-right'));
    rows.push(new HistoryNode(this, this.ctx));
    return rows;
  }

  /** Running image, Argo CD app, rollout and events, or a row saying why they cannot be shown. */
  private clusterRows(): TreeNode[] {
    const live = this.ctx.live;
    if (!live) return [];
    const id = this.id;
    const target = live.target(this.entry);
    if (!this.ctx.trusted()) return target ? [new DetailNode(this, `${id}:untrusted`, 'Cluster state needs a trusted workspace', 'credential plugins are programs', 'shield')] : [];
    if (!target) {
      return [new DetailNode(this, `${id}:unmapped`, 'Cluster', 'not mapped: Select Kubernetes Context…', 'plug', { command: 'gitopsPilot.selectKubeContext', title: 'Select Kubernetes Context…', arguments: [this.env.id, this.project.root] }, 'Choose the kubeconfig context, namespace and workload this environment runs as')];
    }
    const state = live.state(this.entry);
    if (!state) return [];
    const rows: TreeNode[] = [];
    if (state.error) {
      const fix = ['kube.contextMissing', 'kube.noContext', 'kube.clusterMissing', 'kube.namespaceMissing', 'kube.workloadMissing'].includes(state.error.code);
      rows.push(new LiveProblemNode(this, `${id}:cluster-error`, state.error.message, state.error.toUserString(), fix ? { command: 'gitopsPilot.selectKubeContext', title: 'Select Kubernetes Context…', arguments: [this.env.id, this.project.root] } : undefined));
      return rows;
    }
    if (state.warning) rows.push(new LiveProblemNode(this, `${id}:cluster-warning`, state.stale ? `Reconnecting: ${state.warning.message}` : state.warning.message, state.warning.toUserString(), undefined, 'warning'));
    const w = state.workload;
    if (!w) {
      rows.push(new DetailNode(this, `${id}:connecting`, 'Cluster', 'connecting…', 'loading~spin'));
      return rows;
    }
    // what ready pods run (when the pods are known), and what the workload is rolling out to
    const template = w.images.map((i) => i.image);
    const podImages = state.detailed ? [...new Set(state.pods.filter((p) => p.ready).flatMap((p) => p.images))] : [];
    const running = podImages.length ? podImages : template;
    const rolling = podImages.length > 0 && template.some((t) => !podImages.includes(t));
    const images = `${running.join(', ')}${rolling ? ` — rolling out ${template.map(shortImage).join(', ')}` : ''}`;
    if (state.drift?.drifted) {
      rows.push(new DetailNode(this, `${id}:running`, 'Running', `${images} — git declares ${state.drift.declared}`, 'warning', undefined, `Drift: ${w.kind}/${w.name} runs ${state.drift.running.join(', ')} but git declares ${state.drift.declared}. Argo CD may not have synced yet.`));
    } else {
      rows.push(new DetailNode(this, `${id}:running`, 'Running', images, 'vm-running', undefined, `What ${w.kind}/${w.name} runs in the cluster${rolling ? `, and the image it is rolling out` : ''}`));
    }
    if (state.argo) rows.push(new ArgoNode(this, state));
    else if (state.argoError) rows.push(new LiveProblemNode(this, `${id}:argo-error`, state.argoError.message, state.argoError.toUserString()));
    if (state.flux) rows.push(new FluxNode(this, state));
    else if (state.fluxError) rows.push(new LiveProblemNode(this, `${id}:flux-error`, state.fluxError.message, state.fluxError.toUserString()));
    rows.push(new RolloutGroupNode(this, state));
    rows.push(new EventsGroupNode(this, state));
    return rows;
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

/** An environment of a multi-app project (`prod`): its apps as children, and how it compares with its source. */
export class EnvironmentGroupNode extends TreeNode {
  readonly id: string;
  constructor(parent: TreeNode | undefined, readonly projectEntry: ProjectEntry, readonly group: EnvironmentGroup, private readonly ctx: TreeContext) {
    super(parent);
    this.id = `envgroup:${projectEntry.project.root}:${group.name}`;
  }
  toTreeItem(): vscode.TreeItem {
    const { group } = this;
    const item = new vscode.TreeItem(group.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    // the apps' live states sum up here (`1 degraded · 2 rolling out`); the icon shows the worst of them
    const health = group.entries.map((e) => this.ctx.live?.state(e)?.health);
    item.description = groupSummary(this.projectEntry, group, health);
    // its release pull request, when its releases go through one (`release PR #3 · 1/1 checks ✓`)
    const pr = releasePullRequestRow(this.releaseStatus);
    if (pr.summary) item.description = `${item.description} · ${pr.summary}`;
    const isProtected = group.entries.some((e) => e.env.protected);
    const worst = worstHealth(tallyHealth(health));
    item.iconPath = worst ? healthIcon(worst, isProtected) : new vscode.ThemeIcon(isProtected ? 'lock' : 'server-environment');
    item.tooltip = `${group.name}: ${item.description}${group.source ? `\nPromoted from ${group.source}` : ''}${isProtected ? '\nProtected' : ''}`;
    item.contextValue = `;envGroup;${group.source !== undefined ? 'canPromoteAll;' : ''}${isProtected ? 'protected;' : ''}${pr.tokens.map((t) => `${t};`).join('')}`;
    item.accessibilityInformation = { label: `Environment ${group.name}, ${item.description}` };
    return item;
  }
  private get releaseStatus() {
    return this.ctx.pullRequests?.releaseState({ project: this.projectEntry.project, name: this.group.name });
  }
  override children(): TreeNode[] {
    const status = this.releaseStatus;
    const apps = this.group.entries.map((e) => new EnvironmentNode(this, e, this.ctx, e.env.app));
    return status ? [new ReleasePullRequestNode(this, this.projectEntry, this.group, status, this.id), ...apps] : apps;
  }
}

/** The release a command was given: an environment row of several apps, or its Release pull request row. */
export function releaseOf(node: unknown): { projectEntry: ProjectEntry; group: EnvironmentGroup } | undefined {
  return node instanceof EnvironmentGroupNode || node instanceof ReleasePullRequestNode ? node : undefined;
}

function projectChildren(parent: TreeNode | undefined, p: ProjectEntry, ctx: TreeContext): TreeNode[] {
  const rows: TreeNode[] = p.project.problems.map((e) => new ProblemNode(parent, e, `project:${p.project.root}`));
  // several apps: env → apps, or app → envs (the toggle in the view's title)
  const byApp = ctx.grouping?.() === 'application' ? groupByApp(p) : undefined;
  if (byApp) {
    rows.push(...byApp.groups.map((g) => new AppGroupNode(parent, p, g, ctx)));
    return [...rows, ...byApp.rest.map((e) => new EnvironmentNode(parent, e, ctx))];
  }
  const grouped = groupByEnvironment(p);
  if (grouped) {
    rows.push(...grouped.groups.map((g) => new EnvironmentGroupNode(parent, p, g, ctx)));
    return [...rows, ...grouped.rest.map((e) => new EnvironmentNode(parent, e, ctx))];
  }
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
