/**
 * The cluster side of the Environments tree: one EnvironmentWatch per environment that says where it
 * runs (gitops-pilot.yaml, or a mapping picked in this workspace), while the view is visible and the
 * workspace trusted. The nodes read `state()`; `onDidChange` says which environment changed. Pods,
 * ReplicaSets and events are watched for expanded environments, and for environments whose rollout is
 * not done (so a collapsed row can say ImagePullBackOff, not just "Progressing"). No `vscode` import.
 *
 * Mappings picked with "Select Kubernetes Context…" live in the workspace state, not in
 * gitops-pilot.yaml: context names are personal (each kubeconfig names clusters its own way, e.g. an
 * EKS ARN or an alias), so writing them into a shared repository would impose one person's names on
 * the team. A picked mapping overrides the file's for this workspace only.
 */
import type { Logger } from '../log';
import { Emitter, type Disposable, type Event } from '../util/events';
import { configuredTarget, EnvironmentWatch, type ClusterMapping, type ClusterTarget } from '../kube/environmentWatch';
import type { LiveState } from '../kube/liveState';
import type { PoolStats } from '../kube/informer';
import type { KubeSession } from '../kube/session';
import type { EnvironmentEntry, EnvironmentsModel } from './environments';

/** The part of a VS Code Memento the mappings need (workspaceState). */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const MAPPINGS_KEY = 'gitopsPilot.clusterMappings';

export class ClusterMappings {
  private readonly changed = new Emitter<string>();
  /** fires with the key of the environment whose mapping changed */
  readonly onDidChange: Event<string> = this.changed.event;

  constructor(private readonly memento: MementoLike) {}

  private all(): Record<string, ClusterMapping> {
    return this.memento.get<Record<string, ClusterMapping>>(MAPPINGS_KEY) ?? {};
  }

  get(key: string): ClusterMapping | undefined {
    return this.all()[key];
  }

  async set(key: string, mapping: ClusterMapping | undefined): Promise<void> {
    const all = { ...this.all() };
    if (mapping) all[key] = mapping;
    else delete all[key];
    await this.memento.update(MAPPINGS_KEY, all);
    this.changed.fire(key);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function entryKey(entry: Pick<EnvironmentEntry, 'env' | 'project'>): string {
  return `${entry.project.root}:${entry.env.id}`;
}

interface Watched {
  readonly watch: EnvironmentWatch;
  readonly targetKey: string;
  detail?: Disposable;
  sub: Disposable;
}

export interface LiveModelOptions {
  readonly session: () => KubeSession;
  readonly environments: EnvironmentsModel;
  readonly mappings: ClusterMappings;
  /** false in Restricted Mode: nothing connects (an exec credential plugin is a process) */
  readonly enabled: () => boolean;
  readonly log?: Logger;
}

export class LiveModel {
  private readonly changed = new Emitter<string>();
  /** fires with the key (entryKey) of an environment whose live state changed */
  readonly onDidChange: Event<string> = this.changed.event;
  private readonly watches = new Map<string, Watched>();
  private readonly expanded = new Set<string>();
  /** environments whose workload is rolling out or failed: their pods say why */
  private readonly rolling = new Set<string>();
  private active = false;
  private readonly subs: Disposable[] = [];

  constructor(private readonly o: LiveModelOptions) {
    this.subs.push(o.environments.onDidChange(() => this.sync()));
    this.subs.push(o.mappings.onDidChange(() => this.sync()));
  }

  /** the mapping in effect for an environment, and where it comes from */
  target(entry: Pick<EnvironmentEntry, 'env' | 'project'>): ClusterTarget | undefined {
    return configuredTarget(entry.env, this.o.mappings.get(entryKey(entry)));
  }

  mappingSource(entry: Pick<EnvironmentEntry, 'env' | 'project'>): 'workspace' | 'config' | undefined {
    if (this.o.mappings.get(entryKey(entry))) return 'workspace';
    return entry.env.workload ? 'config' : undefined;
  }

  /** The live state, while the environment is watched (view visible, workspace trusted, mapped). */
  state(entry: Pick<EnvironmentEntry, 'env' | 'project'>): LiveState | undefined {
    return this.watches.get(entryKey(entry))?.watch.state;
  }

  get isActive(): boolean {
    return this.active && this.o.enabled();
  }

  /** The view became visible or hidden: watches run only while it shows. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.sync();
  }

  /** An environment node was expanded (its pods, ReplicaSets and events are shown) or collapsed. */
  setExpanded(key: string, expanded: boolean): void {
    if (expanded === this.expanded.has(key)) return;
    if (expanded) this.expanded.add(key);
    else this.expanded.delete(key);
    const w = this.watches.get(key);
    if (w) this.updateDetail(key, w);
  }

  isExpanded(key: string): boolean {
    return this.expanded.has(key);
  }

  /** Re-resolves contexts and reconnects (the kubeconfig or its setting changed, trust was granted). */
  reconnect(): void {
    if (this.watches.size) this.o.session().reset();
    for (const w of this.watches.values()) w.watch.reconnect();
    this.sync();
  }

  /** Starts, updates and stops watches to match the environments, the mappings and visibility. */
  sync(): void {
    const run = this.isActive;
    const seen = new Set<string>();
    if (run) {
      for (const entry of this.o.environments.environments) {
        const target = this.target(entry);
        if (!target) continue;
        const key = entryKey(entry);
        seen.add(key);
        const targetKey = JSON.stringify(target);
        const declared = entry.file.ok ? entry.file.declared : undefined;
        let w = this.watches.get(key);
        if (w && w.targetKey !== targetKey) {
          this.stop(key, w);
          w = undefined;
        }
        if (!w) {
          const watch = new EnvironmentWatch(this.o.session(), target, declared);
          const created: Watched = {
            watch,
            targetKey,
            sub: watch.onDidChange(() => {
              this.followRollout(key, created);
              this.changed.fire(key);
            }),
          };
          this.watches.set(key, created);
          this.updateDetail(key, created);
          this.o.log?.debug(`live: watching ${entry.env.id} (${targetKey})`);
          this.changed.fire(key);
        } else {
          w.watch.setDeclared(declared);
        }
      }
    }
    for (const [key, w] of [...this.watches]) {
      if (!seen.has(key)) {
        this.stop(key, w);
        this.changed.fire(key);
      }
    }
  }

  /** Holds the details while the workload is not rolled out, and lets them go once it is. */
  private followRollout(key: string, w: Watched): void {
    const verdict = w.watch.state.workload?.verdict.state;
    const rolling = verdict === 'progressing' || verdict === 'failed';
    if (rolling === this.rolling.has(key)) return;
    if (rolling) this.rolling.add(key);
    else this.rolling.delete(key);
    this.updateDetail(key, w);
  }

  private updateDetail(key: string, w: Watched): void {
    const want = this.expanded.has(key) || this.rolling.has(key);
    if (want && !w.detail) w.detail = w.watch.holdDetail();
    else if (!want && w.detail) {
      w.detail.dispose();
      w.detail = undefined;
    }
  }

  private stop(key: string, w: Watched): void {
    this.watches.delete(key);
    this.rolling.delete(key);
    w.sub.dispose();
    w.detail?.dispose();
    w.watch.dispose();
  }

  /** How many environments are watched now. */
  get watched(): number {
    return this.watches.size;
  }

  stats(): PoolStats | undefined {
    return this.watches.size ? this.o.session().pool.stats() : undefined;
  }

  dispose(): void {
    for (const [key, w] of [...this.watches]) this.stop(key, w);
    for (const s of this.subs.splice(0)) s.dispose();
    this.changed.dispose();
  }
}
