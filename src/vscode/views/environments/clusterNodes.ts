/** The cluster rows of an environment: cluster problems, Argo CD, the rollout with its pods, events. */
import * as vscode from 'vscode';
import type { Environment } from '../../../core/config/model';
import { POD_PROBLEM_REASONS, type LiveHealth, type LiveState } from '../../../core/kube/liveState';
import { fluxRowText, fluxStateLabel } from '../../../core/kube/flux';
import { timeAgo } from '../../../core/util/time';
import type { EnvironmentEntry } from '../../../core/workspace/environments';
import { shortImage } from '../../format';
import type { EnvironmentNode } from './nodes';
import { DetailNode, TreeNode } from './treeNode';

export const SHORT_ERRORS: Record<string, string> = {
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

export const HEALTH_WORDS: Record<LiveHealth, string> = { connecting: 'connecting', progressing: 'rolling out', healthy: 'healthy', degraded: 'degraded', drift: 'drift from git', error: 'cluster unavailable' };

export function healthIcon(h: LiveHealth, protectedEnv: boolean): vscode.ThemeIcon {
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
    const item = new vscode.TreeItem('Flux', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = fluxRowText(f);
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
    const bad = p.reason !== undefined && POD_PROBLEM_REASONS.includes(p.reason);
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
