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
