/** Tree nodes of the Environments view. Each turns model data into a TreeItem; none does I/O. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Environment } from '../../../core/config/model';
import { formatLocation, toPilotError, type PilotError, type SourceLocation } from '../../../core/errors';
import { environmentContextValue } from './contextValue';
import { timeAgo } from '../../../core/util/time';
import type { DeployRecord } from '../../../core/gitops/history';
import type { HistoryModel } from './historyModel';
import type { LiveHealth, LiveState } from '../../../core/kube/liveState';
import { entryKey, type LiveModel } from './liveModel';
import type { EnvironmentEntry, EnvironmentsModel, ProjectEntry } from './model';
import { fluxStateLabel, revisionCommit, shortRevision } from '../../../core/kube/flux';

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
  /** EnvironmentNodes by entryKey as last rendered, so one environment can be refreshed alone */
  readonly rendered?: Map<string, EnvironmentNode>;
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
    const item = new vscode.TreeItem(env.name, vscode.TreeItemCollapsibleState.Collapsed);
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
    const target = this.ctx.live?.target(this.entry);
    item.contextValue = environmentContextValue(env, {
      fileOk: file.ok,
      hasTag: file.ok && file.declared.tag !== undefined,
      ...(target ? { target } : {}),
      mappedHere: this.ctx.live?.mappingSource(this.entry) === 'workspace',
    });
    item.tooltip = this.tooltip();
    const state = live ? `, ${HEALTH_WORDS[live.health]}` : '';
    item.accessibilityInformation = { label: `Environment ${env.name}, ${file.ok ? `${live ? live.summary : `image ${item.description}`}${state}` : `error: ${file.error.message}`}` };
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
    const target = this.ctx.live?.target(this.entry);
    if (target) {
      const live = this.live;
      const where = `${target.workload.kind}/${target.workload.name} in ${live?.namespace ?? target.namespace ?? '(context namespace)'}, context ${live?.context ?? target.context ?? '(current)'}`;
      md.appendMarkdown(`Runs: ${escape(where)}${this.ctx.live?.mappingSource(this.entry) === 'workspace' ? ' (picked in this workspace)' : ''}\n\n`);
      if (live?.workload) md.appendMarkdown(`Rollout: ${escape(live.workload.verdict.message)}\n\n`);
      if (live?.error) md.appendMarkdown(`$(error) ${escape(live.error.toUserString())}\n\n`);
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

const SHORT_ERRORS: Record<string, string> = {
  'kube.contextMissing': 'context not in kubeconfig',
  'kube.noContext': 'no context selected',
  'kube.clusterMissing': 'cluster not in kubeconfig',
  'kube.noKubeconfig': 'no kubeconfig',
  'kube.kubeconfigInvalid': 'kubeconfig invalid',
  'kube.unreachable': 'cluster unreachable',
  'kube.unauthorized': 'credentials rejected',
  'kube.forbidden': 'forbidden',
  'kube.execFailed': 'credential plugin failed',
  'kube.namespaceMissing': 'namespace missing',
  'kube.workloadMissing': 'workload missing',
  'kube.crdMissing': 'Argo Rollouts not installed',
};

const HEALTH_WORDS: Record<LiveHealth, string> = { connecting: 'connecting', progressing: 'rolling out', healthy: 'healthy', degraded: 'degraded', drift: 'drift from git', error: 'cluster unavailable' };

function healthIcon(h: LiveHealth, protectedEnv: boolean): vscode.ThemeIcon {
  switch (h) {
    case 'progressing':
      return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
    case 'healthy':
      return new vscode.ThemeIcon(protectedEnv ? 'lock' : 'pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'degraded':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'drift':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'error':
      return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    default:
      return new vscode.ThemeIcon('loading~spin');
  }
}

/** A child of an environment that commands can act on (they read `env` and `project`). */
abstract class EnvChild extends TreeNode {
  constructor(readonly envNode: EnvironmentNode) {
    super(envNode);
  }
  get env(): Environment {
    return this.envNode.env;
  }
  get project(): EnvironmentEntry['project'] {
    return this.envNode.project;
  }
}

/** A cluster problem as a row: the message, the next step in the tooltip, a fix when there is one. */
export class LiveProblemNode extends EnvChild {
  constructor(
    parent: EnvironmentNode,
    readonly id: string,
    private readonly message: string,
    private readonly detail: string,
    private readonly command?: vscode.Command,
    private readonly icon: 'error' | 'warning' = 'error',
  ) {
    super(parent);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon, new vscode.ThemeColor(this.icon === 'error' ? 'problemsErrorIcon.foreground' : 'problemsWarningIcon.foreground'));
    item.tooltip = new vscode.MarkdownString().appendText(this.detail);
    item.command = this.command;
    item.contextValue = ';problem;clusterProblem;';
    return item;
  }
}

/** The Argo CD Application: sync status, health, revision, operation. */
export class ArgoNode extends EnvChild {
  readonly id: string;
  constructor(parent: EnvironmentNode, private readonly state: LiveState) {
    super(parent);
    this.id = `${parent.id}:argocd`;
  }
  toTreeItem(): vscode.TreeItem {
    const a = this.state.argo!;
    const op = a.operation;
    const parts = [a.name, a.sync ?? 'Unknown', a.health ?? 'Unknown'];
    if (a.revision) parts.push(a.revision.slice(0, 7));
    if (op?.phase === 'Running') parts.push('syncing…');
    else if (op && (op.phase === 'Failed' || op.phase === 'Error')) parts.push(`last sync ${op.phase}`);
    const item = new vscode.TreeItem('Argo CD', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = parts.join(' · ');
    const bad = a.health === 'Degraded' || a.health === 'Missing' || op?.phase === 'Failed' || op?.phase === 'Error';
    item.iconPath = new vscode.ThemeIcon(op?.phase === 'Running' ? 'sync~spin' : bad ? 'error' : a.sync === 'OutOfSync' ? 'warning' : 'cloud', bad ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined);
    const md = new vscode.MarkdownString();
    md.appendText(`Application ${a.namespace}/${a.name}\nSync: ${a.sync ?? 'Unknown'}${a.revision ? ` at ${a.revision}` : ''}\nHealth: ${a.health ?? 'Unknown'}${a.healthMessage ? ` (${a.healthMessage})` : ''}`);
    if (op) md.appendText(`\nLast operation: ${op.phase}${op.message ? ` — ${op.message}` : ''}${op.startedAt ? `, started ${op.startedAt}` : ''}`);
    item.tooltip = md;
    item.contextValue = ';argoApp;';
    return item;
  }
}

/** The Flux Kustomization / HelmRelease: readiness with its reason, what it applied, the source's revision. */
export class FluxNode extends EnvChild {
  readonly id: string;
  constructor(parent: EnvironmentNode, private readonly state: LiveState) {
    super(parent);
    this.id = `${parent.id}:flux`;
  }
  toTreeItem(): vscode.TreeItem {
    const f = this.state.flux!;
    const st = f.status;
    const parts = [f.name, fluxStateLabel(st.state)];
    if (st.state !== 'ready' && st.reason) parts.push(st.reason);
    if (f.applied) parts.push(`applied ${shortRevision(f.applied)}`);
    if (f.source?.revision && revisionCommit(f.source.revision) !== f.appliedCommit) parts.push(`source at ${shortRevision(f.source.revision)}`);
    const item = new vscode.TreeItem('Flux', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = parts.join(' · ');
    const bad = st.state === 'failed' || st.state === 'stalled';
    item.iconPath = new vscode.ThemeIcon(st.state === 'reconciling' ? 'sync~spin' : bad ? 'error' : st.state === 'suspended' ? 'debug-pause' : 'cloud', bad ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined);
    const md = new vscode.MarkdownString();
    md.appendText(`${f.kind} ${f.namespace}/${f.name}\n${fluxStateLabel(st.state)}${st.reason ? ` (${st.reason})` : ''}: ${st.message}`);
    if (f.applied) md.appendText(`\nApplied: ${f.applied}${f.release ? ` (release ${f.release})` : ''}`);
    if (f.attempted && f.attempted !== f.applied) md.appendText(`\nLast attempted: ${f.attempted}`);
    if (f.source) md.appendText(`\nSource: ${f.source.kind} ${f.source.namespace}/${f.source.name}${f.source.revision ? ` at ${f.source.revision}` : ''}${f.source.status && f.source.status.state !== 'ready' ? ` — ${fluxStateLabel(f.source.status.state)}: ${f.source.status.message}` : ''}`);
    item.tooltip = md;
    item.contextValue = `;fluxObject;${st.state === 'suspended' ? 'suspended' : 'active'};`;
    return item;
  }
}

/** "Rollout": kubectl's verdict, the canary, ReplicaSets by revision and the pods with their reasons. */
export class RolloutGroupNode extends EnvChild {
  readonly id: string;
  constructor(parent: EnvironmentNode, private readonly state: LiveState) {
    super(parent);
    this.id = `${parent.id}:rollout`;
  }
  toTreeItem(): vscode.TreeItem {
    const w = this.state.workload!;
    const v = w.verdict;
    const item = new vscode.TreeItem('Rollout', vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    const counts = v.desired !== undefined ? `${v.ready ?? 0}/${v.desired} ready` : '';
    item.description = [`${w.kind}/${w.name}`, this.state.stuck ? this.state.stuck.reason : v.state === 'done' ? 'rolled out' : v.state === 'failed' ? 'failed' : 'progressing', counts].filter(Boolean).join(' · ');
    const stuck = this.state.stuck || v.state === 'failed';
    item.iconPath = new vscode.ThemeIcon(stuck ? 'error' : v.state === 'done' ? 'pass' : 'sync~spin', stuck ? new vscode.ThemeColor('problemsErrorIcon.foreground') : v.state === 'done' ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.tooltip = new vscode.MarkdownString().appendText(`${v.message}${this.state.stuck ? `\n\npod ${this.state.stuck.pod}: ${this.state.stuck.reason}: ${this.state.stuck.message}` : ''}`);
    item.contextValue = `;rollout;workload=${w.kind};`;
    return item;
  }
  override children(): TreeNode[] {
    const s = this.state;
    const w = s.workload!;
    const rows: TreeNode[] = [];
    const c = w.verdict.canary;
    if (c) {
      rows.push(new DetailNode(this, `${this.id}:canary`, 'Canary', `step ${Math.min(c.step + 1, c.steps)}/${c.steps} · ${c.weight ?? 0}%${c.paused ? ' · paused' : ''}`, c.paused ? 'debug-pause' : 'arrow-swap', undefined, c.paused ? 'Paused: Promote Canary continues, Abort Rollout goes back to stable' : undefined));
    }
    if (!s.detailed) {
      rows.push(new DetailNode(this, `${this.id}:loading`, 'Pods', 'loading…', 'loading~spin'));
      return rows;
    }
    for (const r of s.replicaSets.filter((x, i) => x.current || x.replicas > 0 || i < 3)) {
      rows.push(
        new DetailNode(
          this,
          `${this.id}:rs:${r.name}`,
          `revision ${r.revision || '?'}`,
          `${r.images.map(shortImage).join(', ')} · ${r.ready}/${r.desired} ready${r.current ? ' · current' : ''}`,
          r.current ? 'layers-active' : 'layers',
          undefined,
          `ReplicaSet ${r.name}: ${r.replicas} pods, ${r.ready} ready, ${r.available} available`,
        ),
      );
    }
    for (const p of s.pods) rows.push(new PodNode(this, p));
    if (!s.pods.length) rows.push(new DetailNode(this, `${this.id}:nopods`, 'No pods', undefined, 'circle-outline'));
    return rows;
  }
}

function shortImage(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1);
}

export class PodNode extends TreeNode {
  readonly id: string;
  constructor(parent: RolloutGroupNode, private readonly pod: LiveState['pods'][number]) {
    super(parent);
    this.id = `${parent.id}:pod:${pod.name}`;
  }
  toTreeItem(): vscode.TreeItem {
    const p = this.pod;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = [p.reason ?? p.status, p.restarts ? `${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : '', p.current ? '' : 'old revision'].filter(Boolean).join(' · ');
    const bad = p.reason !== undefined && ['ImagePullBackOff', 'ErrImagePull', 'CrashLoopBackOff', 'OOMKilled', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'Unschedulable', 'Evicted'].includes(p.reason);
    item.iconPath = bad
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : p.ready
        ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
        : p.status === 'Terminating'
          ? new vscode.ThemeIcon('circle-slash')
          : new vscode.ThemeIcon(p.reason === 'NotReady' ? 'warning' : 'loading~spin');
    item.tooltip = new vscode.MarkdownString().appendText(`${p.name}\n${p.status}${p.message ? `: ${p.message}` : ''}\n${p.images.join(', ')}${p.node ? `\non ${p.node}` : ''}`);
    item.contextValue = ';pod;';
    item.accessibilityInformation = { label: `Pod ${p.name}, ${item.description}` };
    return item;
  }
}

/** "Events": of the workload, its ReplicaSets and pods, warnings first. */
export class EventsGroupNode extends EnvChild {
  readonly id: string;
  constructor(parent: EnvironmentNode, private readonly state: LiveState) {
    super(parent);
    this.id = `${parent.id}:events`;
  }
  toTreeItem(): vscode.TreeItem {
    const warnings = this.state.events.filter((e) => e.type === 'Warning').length;
    const item = new vscode.TreeItem('Events', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.state.detailed ? (warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : `${this.state.events.length}`) : undefined;
    item.iconPath = new vscode.ThemeIcon(warnings ? 'bell-dot' : 'bell');
    item.contextValue = ';events;';
    return item;
  }
  override children(): TreeNode[] {
    if (!this.state.detailed) return [new DetailNode(this, `${this.id}:loading`, 'loading…', undefined, 'loading~spin')];
    if (!this.state.events.length) return [new DetailNode(this, `${this.id}:none`, 'No recent events', undefined, 'info')];
    return this.state.events.map(
      (e, i) =>
        new DetailNode(
          this,
          `${this.id}:${i}:${e.object}:${e.reason}`,
          e.reason,
          `${e.object} · ${e.message}`,
          e.type === 'Warning' ? 'warning' : 'info',
          undefined,
          `${e.type} ${e.reason} on ${e.object}${e.count > 1 ? ` (×${e.count})` : ''}${e.last ? `, ${timeAgo(e.last)}` : ''}\n${e.message}`,
        ),
    );
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
