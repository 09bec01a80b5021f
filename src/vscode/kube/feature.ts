/**
 * The cluster side of the editor, built once in activate(): the Kubernetes session (created on first
 * use: the SDK loads only when a watch starts) and the mappings picked per workspace (KubeAccess, which
 * the Workspace's live model uses), and the status-bar rollout indicator. Also the deploy hooks it fills in:
 * watch the rollout after a deployment, and refuse to promote into a protected environment from a
 * source whose rollout is not healthy.
 */
import * as vscode from 'vscode';
import type { Environment } from '../../core/config/model';
import type { ClusterTarget } from '../../core/kube/environmentWatch';
import { kubeconfigSource } from '../../core/kube/kubeconfig';
import type { ImageRef } from '../../core/gitops/message';
import { KubeSession } from '../../core/kube/session';
import { rolloutHealth, type RolloutProgress } from '../../core/kube/watchRollout';
import type { PoolStats } from '../../core/kube/informer';
import type { Event } from '../../core/util/events';
import { parseDuration } from '../../core/util/time';
import type { DeployHooks } from '../commands/types';
import type { Log } from '../log';
import type { Settings } from '../settings';
import type { OperationResult } from '../../core/gitops/operations';
import type { ReleaseRolloutSnapshot } from '../../core/release/rolloutTally';
import { RolloutStatusBar, type RolloutItemState, type WatchRequest } from '../statusBar';
import { ClusterMappings, entryKey, type LiveModel } from '../../core/workspace/live';
import type { EnvironmentEntry, EnvironmentsModel } from '../../core/workspace/environments';

/** What tests, benchmarks and other extensions see of the cluster side (ExtensionApi.rollouts). */
export interface RolloutApi {
  /** the status-bar rollout indicators as shown now */
  readonly indicators: readonly RolloutItemState[];
  /** fires when an indicator appears, changes or goes away */
  readonly onDidChangeIndicators: Event<void>;
  /** the live state the Environments tree shows */
  readonly live: LiveModel;
  /** environments watched by the tree, watch streams open now, and what the informers did */
  stats(): { watched: number; openWatches: number; informers: number; pool?: PoolStats };
}

export function rolloutApi(f: RolloutFeature): RolloutApi {
  return {
    get indicators() {
      return f.statusBar.states;
    },
    onDidChangeIndicators: f.statusBar.onDidChange,
    live: f.live,
    stats() {
      const pool = f.live.stats() ?? (f.hasSession() ? f.session().pool.stats() : undefined);
      return { watched: f.live.watched, openWatches: f.hasSession() ? f.session().openWatches : 0, informers: pool?.informers ?? 0, ...(pool ? { pool } : {}) };
    },
  };
}

export interface RolloutFeature extends vscode.Disposable {
  /** whether a session was made (nothing connected before) */
  hasSession(): boolean;
  /** the session (made on first use) */
  session(): KubeSession;
  readonly mappings: ClusterMappings;
  readonly live: LiveModel;
  readonly statusBar: RolloutStatusBar;
  /** where an environment runs (gitops-pilot.yaml or a mapping picked here); undefined: not known */
  target(entry: EnvironmentEntry): ClusterTarget | undefined;
  /** the environment a core Environment belongs to, in the tree's model */
  entryOf(env: Environment): EnvironmentEntry | undefined;
  /** Watches the rollout in the status bar; with `expect`, until the cluster runs that image. */
  watch(entry: EnvironmentEntry, expect?: ImageRef): Promise<RolloutProgress | undefined>;
  /**
   * Follows the rollouts of a release's apps (one environment) as one indicator, `prod 7/11`; apps whose
   * cluster is not known are named in its tooltip. `onAppEnd`: each app's watch as it ends.
   */
  watchRelease(results: readonly OperationResult[], onAppEnd?: (result: OperationResult, p: RolloutProgress) => void): Promise<ReleaseRolloutSnapshot | undefined>;
  /** Shows an environment in the tree, expanded (the status bar's click); false when it is not there. */
  reveal(key: string): Promise<boolean>;
  /** the view registers how to reveal an environment */
  setRevealer(fn: (key: string) => Promise<boolean>): void;
  /** the rollout timeout setting in ms */
  timeoutMs(): number;
}

/**
 * The Kubernetes side the Workspace needs before the feature is built: the session (made on first use,
 * so the SDK loads only when a watch starts), the mappings picked per workspace, and whether the
 * kubeconfig files changed since the session read them (the RefreshManager asks on window focus).
 */
export class KubeAccess implements vscode.Disposable {
  private current: KubeSession | undefined;
  private lastStamp = '';
  readonly mappings: ClusterMappings;

  constructor(private readonly o: { context: vscode.ExtensionContext; log: Log; settings: Settings }) {
    this.mappings = new ClusterMappings(o.context.workspaceState);
  }

  readonly session = (): KubeSession => {
    if (!this.current) {
      this.current = new KubeSession({ kubeconfig: () => kubeconfigSource(this.o.settings.get('kubeconfig'), process.env), log: this.o.log });
      this.lastStamp = this.current.loader.stamp();
    }
    return this.current;
  };

  hasSession(): boolean {
    return this.current !== undefined;
  }

  /** true once per change of the kubeconfig files (e.g. fixed in a terminal by aws eks update-kubeconfig) */
  readonly kubeconfigChanged = (): boolean => {
    if (!this.current) return false;
    const stamp = this.current.loader.stamp();
    if (stamp === this.lastStamp) return false;
    this.lastStamp = stamp;
    return true;
  };

  dispose(): void {
    this.mappings.dispose();
    void this.current?.dispose();
  }
}

export function createRolloutFeature(o: { log: Log; settings: Settings; kube: KubeAccess; live: LiveModel; environments: EnvironmentsModel }): RolloutFeature {
  const { kube, live } = o;
  const getSession = kube.session;
  const statusBar = new RolloutStatusBar(getSession, o.log);
  let revealer: ((key: string) => Promise<boolean>) | undefined;
  const timeoutMs = () => parseDuration(o.settings.get('rolloutTimeout')) ?? 10 * 60_000;
  const feature: RolloutFeature = {
    hasSession: () => kube.hasSession(),
    session: getSession,
    mappings: kube.mappings,
    live,
    statusBar,
    target: (entry) => live.target(entry),
    entryOf: (env) => o.environments.environments.find((e) => e.env.file === env.file && e.env.id === env.id),
    watch(entry, expect) {
      const target = live.target(entry);
      if (!target) return Promise.resolve(undefined);
      return statusBar.watch({ key: entryKey(entry), envId: entry.env.id, envName: entry.env.name, projectRoot: entry.project.root, target, ...(expect ? { expect } : {}), timeoutMs: timeoutMs(), ...(entry.env.healthUrl ? { healthUrl: entry.env.healthUrl } : {}) });
    },
    watchRelease(results, onAppEnd) {
      const first = results[0];
      if (!first) return Promise.resolve(undefined);
      const apps: (WatchRequest & { app: string; result: OperationResult })[] = [];
      const notFollowed: string[] = [];
      for (const r of results) {
        const entry = feature.entryOf(r.env);
        const target = entry ? live.target(entry) : undefined;
        const app = r.env.app ?? r.env.name;
        if (!entry || !target) {
          notFollowed.push(app);
          continue;
        }
        apps.push({ app, result: r, key: entryKey(entry), envId: entry.env.id, envName: entry.env.name, projectRoot: entry.project.root, target, expect: r.after, timeoutMs: timeoutMs(), ...(entry.env.healthUrl ? { healthUrl: entry.env.healthUrl } : {}), ...(entry.env.onFailure === 'rollback' ? { rollsBackOnFailure: true } : {}) });
      }
      if (!apps.length) return Promise.resolve(undefined);
      const { projectRoot } = apps[0]!;
      return statusBar.watchRelease({
        key: `release:${projectRoot}\0${first.env.name}`,
        envName: first.env.name,
        projectRoot,
        apps,
        notFollowed,
        ...(onAppEnd ? { onAppEnd: (a, p) => onAppEnd((a as (typeof apps)[number]).result, p) } : {}),
      });
    },
    reveal: async (key) => (revealer ? revealer(key) : false),
    setRevealer(fn) {
      revealer = fn;
    },
    timeoutMs,
    dispose() {
      statusBar.dispose();
    },
  };
  return feature;
}

/**
 * afterDeploy: a deployment pushed to the deployment branch is watched in the status bar until the
 * cluster runs it (`gitopsPilot.rollout.watchAfterDeploy`). sourceHealth: before promoting into a
 * protected environment, the source must run what it declares, rolled out.
 */
export function installRolloutHooks(hooks: DeployHooks, feature: RolloutFeature, settings: Settings, log: Log): void {
  const watching = (result: OperationResult) => settings.get('watchAfterDeploy') && result.status === 'pushed' && settings.get('pushMode') === 'direct' && vscode.workspace.isTrusted;
  hooks.afterDeploy.push((result, opts) => {
    // a release's apps are followed together (afterRelease)
    if (opts?.release || !watching(result)) return;
    const entry = feature.entryOf(result.env);
    if (!entry || !feature.target(entry)) return;
    void feature.watch(entry, result.after).then(
      (p) => hooks.afterRollout?.(result, p),
      (err) => log.debug(`watch after deploy: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
  hooks.afterRelease = (results) => {
    if (!results.length || !watching(results[0]!)) return;
    void feature.watchRelease(results, (r, p) => hooks.afterRollout?.(r, p)).catch((err: unknown) => log.debug(`watch after release: ${err instanceof Error ? err.message : String(err)}`));
  };
  hooks.sourceHealth = async (env) => {
    const entry = feature.entryOf(env);
    const target = entry ? feature.target(entry) : undefined;
    if (!entry || !target) return undefined;
    const health = await rolloutHealth(feature.session(), target, entry.file.ok ? entry.file.declared : undefined);
    log.info(`health of ${env.name} before promoting it: ${health.healthy ? 'healthy' : `not healthy (${health.reason})`}`);
    return health;
  };
}
