/**
 * The rollout indicator in the status bar: one item per environment being watched, driven by the
 * core's watchRollout (so it shares the tree's informers). It reads
 *   `$(sync~spin) dev → 1.0.6`  waiting for Argo CD to bring the image
 *   `$(sync~spin) dev 2/3`      progressing (ready / desired)
 *   `$(check) dev 1.0.6`        done (then goes away after a minute)
 *   `$(error) dev ImagePullBackOff`  failed, with the reason (stays until the next watch or a click)
 * and stops watching by itself when the rollout is done, failed or timed out. Clicking it opens the
 * rollout's details in the Environments view.
 */
import * as vscode from 'vscode';
import type { ClusterTarget } from '../core/kube/environmentWatch';
import type { ImageRef } from '../core/gitops/message';
import type { KubeSession } from '../core/kube/session';
import { watchRollout, type RolloutProgress } from '../core/kube/watchRollout';
import { isCancelled } from '../core/errors';
import { releaseIndicator, ReleaseRolloutTally, type ReleaseApp, type ReleaseRolloutSnapshot } from '../core/release/rolloutTally';
import { Emitter } from '../core/util/events';
import type { Log } from './log';

export interface RolloutItemState {
  /** entryKey of the environment */
  readonly key: string;
  readonly envId: string;
  readonly projectRoot: string;
  readonly env: string;
  readonly text: string;
  readonly tooltip: string;
  readonly state: RolloutProgress['state'];
  readonly reason?: string;
}

interface Item {
  state: RolloutItemState;
  readonly item: vscode.StatusBarItem;
  readonly abort: AbortController;
  hideTimer?: NodeJS.Timeout;
}

export interface WatchRequest {
  readonly key: string;
  readonly envId: string;
  readonly envName: string;
  readonly projectRoot: string;
  readonly target: ClusterTarget;
  /** the image the deployment declared: done only once the cluster runs it */
  readonly expect?: ImageRef;
  readonly timeoutMs: number;
  /** the environment's health URL, asked once it is rolled out */
  readonly healthUrl?: string;
}

/** A release (Promote All): every moved app's rollout, followed as one indicator `prod 7/11`. */
export interface ReleaseWatchRequest {
  /** the indicator's key (one per environment of a project) */
  readonly key: string;
  readonly envName: string;
  readonly projectRoot: string;
  readonly apps: readonly (WatchRequest & { readonly app: string; readonly rollsBackOnFailure?: boolean })[];
  /** moved apps that run on no known cluster: named in the tooltip */
  readonly notFollowed?: readonly string[];
  /** each app's watch as it ends (done, failed, timed out); not called for watches stopped by the release's failure */
  readonly onAppEnd?: (app: WatchRequest & { readonly app: string }, p: RolloutProgress) => void;
}

/** How long a finished (done) indicator stays before it goes away. */
const DONE_VISIBLE_MS = 60_000;
/** How long a failed or timed-out indicator stays at most. */
const FAILED_VISIBLE_MS = 30 * 60_000;

export function indicatorText(env: string, p: RolloutProgress, expect?: ImageRef): { text: string; tooltip: string } {
  const w = p.live.workload;
  let text: string;
  switch (p.state) {
    case 'waiting':
      text = `$(sync~spin) ${env}${expect?.tag ? ` → ${expect.tag}` : ''}`;
      break;
    case 'progressing':
      if (w?.paused && w.verdict.canary) text = `$(debug-pause) ${env} canary ${w.verdict.canary.weight ?? 0}%`;
      else text = `$(sync~spin) ${env} ${p.ready ?? 0}/${p.desired ?? 0}`;
      break;
    case 'done':
      text = `$(check) ${env} ${p.running ?? ''}`.trimEnd();
      break;
    case 'failed':
      text = `$(error) ${env} ${p.reason && !p.reason.startsWith('kube.') ? p.reason : 'failed'}`;
      break;
    case 'timeout':
      text = `$(watch) ${env} timed out`;
      break;
  }
  const where = [p.live.context, p.live.namespace].filter(Boolean).join(' / ');
  const tooltip = `${env}${where ? ` (${where})` : ''}: ${p.message}${p.error?.hint ? `\n${p.error.hint}` : ''}\nClick for the rollout's details.`;
  return { text, tooltip };
}

export class RolloutStatusBar implements vscode.Disposable {
  private readonly items = new Map<string, Item>();
  private readonly changed = new Emitter<void>();
  /** fires whenever an indicator's text or state changes, appears or goes away */
  readonly onDidChange = this.changed.event;
  private disposed = false;

  constructor(
    private readonly session: () => KubeSession,
    private readonly log: Log,
  ) {}

  /** What the indicators show now (for the extension API and tests). */
  get states(): RolloutItemState[] {
    return [...this.items.values()].map((i) => i.state);
  }

  /** Watches an environment's rollout in the status bar (replacing an earlier watch of it). */
  watch(req: WatchRequest): Promise<RolloutProgress | undefined> {
    if (this.disposed) return Promise.resolve(undefined);
    this.remove(req.key);
    const item = vscode.window.createStatusBarItem(`gitopsPilot.rollout.${req.key}`, vscode.StatusBarAlignment.Left, 50);
    item.name = `GitOps Pilot: rollout of ${req.envName}`;
    item.command = { command: 'gitopsPilot.showRolloutDetails', title: 'Show Rollout Details', arguments: [req.envId, req.projectRoot] };
    const abort = new AbortController();
    const entry: Item = {
      item,
      abort,
      state: { key: req.key, envId: req.envId, projectRoot: req.projectRoot, env: req.envName, text: `$(sync~spin) ${req.envName}`, tooltip: `Watching the rollout of ${req.envName}`, state: 'waiting' },
    };
    this.items.set(req.key, entry);
    const show = (p: RolloutProgress) => {
      if (this.items.get(req.key) !== entry) return;
      const { text, tooltip } = indicatorText(req.envName, p, req.expect);
      item.text = text;
      item.tooltip = tooltip;
      item.backgroundColor = p.state === 'failed' || p.state === 'timeout' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      item.accessibilityInformation = { label: `Rollout of ${req.envName}: ${p.state}, ${p.message}` };
      entry.state = { ...entry.state, text, tooltip, state: p.state, ...(p.reason ? { reason: p.reason } : {}) };
      this.changed.fire();
    };
    item.text = entry.state.text;
    item.tooltip = entry.state.tooltip;
    item.show();
    this.changed.fire();
    this.log.info(`watching the rollout of ${req.envName}${req.expect?.tag ? ` (${req.expect.tag})` : ''}`);
    return watchRollout(this.session(), req.target, { expect: req.expect, timeoutMs: req.timeoutMs, signal: abort.signal, onUpdate: show, ...(req.healthUrl ? { healthUrl: req.healthUrl } : {}) }).then(
      (p) => {
        show(p);
        this.log.info(`rollout of ${req.envName}: ${p.state} — ${p.message}`);
        if (this.items.get(req.key) === entry) entry.hideTimer = setTimeout(() => this.remove(req.key, entry), p.state === 'done' ? DONE_VISIBLE_MS : FAILED_VISIBLE_MS);
        return p;
      },
      (err: unknown) => {
        if (!isCancelled(err)) this.log.error(`watching the rollout of ${req.envName} failed`, err);
        this.remove(req.key, entry);
        return undefined;
      },
    );
  }

  /**
   * Follows a release: one indicator, `prod 7/11` (apps rolled out / apps moved), ending in done or in the
   * first failure (which app, why); the core's tally decides, this only renders. A click shows the failed
   * app's rollout (else the first still rolling out). The other apps' watches stop at the first failure.
   */
  watchRelease(req: ReleaseWatchRequest): Promise<ReleaseRolloutSnapshot | undefined> {
    if (this.disposed || !req.apps.length) return Promise.resolve(undefined);
    this.remove(req.key);
    // an app watched alone before is now followed by the release's indicator
    for (const a of req.apps) this.remove(a.key);
    const tally = new ReleaseRolloutTally(req.envName, req.apps.map((a): ReleaseApp => ({ app: a.app, key: a.key, envId: a.envId, ...(a.rollsBackOnFailure ? { rollsBackOnFailure: true } : {}) })));
    const item = vscode.window.createStatusBarItem(`gitopsPilot.rollout.${req.key}`, vscode.StatusBarAlignment.Left, 50);
    item.name = `GitOps Pilot: release into ${req.envName}`;
    const abort = new AbortController();
    const entry: Item = { item, abort, state: { key: req.key, envId: req.apps[0]!.envId, projectRoot: req.projectRoot, env: req.envName, text: '', tooltip: '', state: 'progressing' } };
    this.items.set(req.key, entry);
    const show = (snap: ReleaseRolloutSnapshot) => {
      if (this.items.get(req.key) !== entry) return;
      const { text, tooltip } = releaseIndicator(req.envName, snap, req.notFollowed);
      item.text = text;
      item.tooltip = tooltip;
      item.command = { command: 'gitopsPilot.showRolloutDetails', title: 'Show Rollout Details', arguments: [snap.focus.envId, req.projectRoot] };
      item.backgroundColor = snap.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      item.accessibilityInformation = { label: `Release into ${req.envName}: ${snap.state}, ${snap.ready} of ${snap.moved} apps rolled out${snap.failure ? `, ${snap.failure.app.app} failed: ${snap.failure.reason}` : ''}` };
      entry.state = { ...entry.state, envId: snap.focus.envId, text, tooltip, state: snap.state, ...(snap.failure ? { reason: snap.failure.reason } : {}) };
      this.changed.fire();
    };
    show(tally.snapshot);
    item.show();
    this.log.info(`following the release into ${req.envName}: ${req.apps.map((a) => a.app).join(', ')}`);
    // one signal per app: after the release failed, the tally says which watches stop (see stopFollowing)
    const appAborts = new Map(req.apps.map((a) => [a.key, new AbortController()]));
    abort.signal.addEventListener('abort', () => appAborts.forEach((c) => c.abort()), { once: true });
    const stopUnneeded = () => {
      for (const a of tally.stopFollowing) appAborts.get(a.key)?.abort();
    };
    const watches = req.apps.map((a) =>
      watchRollout(this.session(), a.target, {
        expect: a.expect,
        timeoutMs: a.timeoutMs,
        signal: appAborts.get(a.key)!.signal,
        onUpdate: (p) => show(tally.update(a.key, p)),
        ...(a.healthUrl ? { healthUrl: a.healthUrl } : {}),
      }).then(
        (p) => {
          if (appAborts.get(a.key)!.signal.aborted) return;
          show(tally.update(a.key, p));
          this.log.info(`rollout of ${a.app} in ${req.envName}: ${p.state} — ${p.message}`);
          req.onAppEnd?.(a, p);
          // the first failure ends the release: the other apps are no longer followed (but for onFailure: rollback)
          stopUnneeded();
        },
        (err: unknown) => {
          if (!isCancelled(err) && !appAborts.get(a.key)!.signal.aborted) {
            this.log.error(`watching the rollout of ${a.app} in ${req.envName} failed`, err);
            show(tally.update(a.key, { state: 'failed', reason: 'watch failed', message: err instanceof Error ? err.message : String(err) }));
            stopUnneeded();
          }
        },
      ),
    );
    return Promise.all(watches).then(() => {
      const snap = tally.snapshot;
      if (this.items.get(req.key) !== entry) return snap;
      this.log.info(`release into ${req.envName}: ${snap.state} (${snap.ready}/${snap.moved})${snap.failure ? ` — ${snap.failure.app.app}: ${snap.failure.message}` : ''}`);
      entry.hideTimer = setTimeout(() => this.remove(req.key, entry), snap.state === 'done' ? DONE_VISIBLE_MS : FAILED_VISIBLE_MS);
      return snap;
    });
  }

  /** Stops watching an environment and removes its indicator. */
  remove(key: string, only?: Item): void {
    const entry = this.items.get(key);
    if (!entry || (only && entry !== only)) return;
    this.items.delete(key);
    entry.abort.abort();
    if (entry.hideTimer) clearTimeout(entry.hideTimer);
    entry.item.dispose();
    this.changed.fire();
  }

  dispose(): void {
    this.disposed = true;
    for (const key of [...this.items.keys()]) this.remove(key);
    this.changed.dispose();
  }
}
