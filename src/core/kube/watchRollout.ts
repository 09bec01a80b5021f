/**
 * Watching one rollout to its end, for the status bar and `gitops-pilot rollout-status --watch`: done,
 * failed (with the reason), or timed out. Built on EnvironmentWatch, so it shares the informers the
 * tree already has open.
 *
 * After a deployment the cluster does not run the new image yet (Argo CD has to sync first): with
 * `expect`, the watch waits for the workload to run that image before kubectl's rules may say done,
 * and a failed Argo CD sync started after the watch began fails it. A pod of the new revision that
 * cannot start (ImagePullBackOff, CrashLoopBackOff, OOMKilled, ...) fails it at once, where kubectl
 * would wait for the progress deadline (10 minutes by default). With Flux, the watch waits the same way
 * (the message says what Flux applied and fetched), and a failed or stalled reconcile started after the
 * watch began fails it.
 */
import { cancelled, isCancelled, type PilotError } from '../errors';
import { EnvironmentWatch, PERMANENT_ERRORS, type ClusterTarget } from './environmentWatch';
import { fluxStateLabel, shortRevision } from './flux';
import { checkHealthUrl, validateHealthUrl, type HealthCheckOptions } from './healthCheck';
import { failedReason, relevantImages, runsDeclared, type LiveState } from './liveState';
import type { ImageRef } from '../gitops/message';
import type { KubeSession } from './session';

export type RolloutWatchState = 'waiting' | 'progressing' | 'done' | 'failed' | 'timeout';

export interface RolloutProgress {
  readonly state: RolloutWatchState;
  /** kubectl's message while it decides; ours for waiting, pod failures, Argo CD and timeouts */
  readonly message: string;
  /** why it failed: ImagePullBackOff, CrashLoopBackOff, ProgressDeadlineExceeded, RolloutAborted, SyncFailed, an error code, ... */
  readonly reason?: string;
  readonly ready?: number;
  readonly desired?: number;
  readonly updated?: number;
  /** the tag (or digest) the workload runs now */
  readonly running?: string;
  readonly error?: PilotError;
  readonly live: LiveState;
}

export interface EvaluateOptions {
  /** the image a deployment declared: done only once the workload runs it */
  readonly expect?: ImageRef;
  /** ms since the epoch: Argo CD operations started before this do not fail the watch */
  readonly since?: number;
  /** a pod of the new revision that cannot start fails the rollout (default true) */
  readonly failFast?: boolean;
}

function running(live: LiveState, expect?: ImageRef): string | undefined {
  const w = live.workload;
  if (!w) return undefined;
  const first = relevantImages(w.images, expect?.repository)[0];
  return first ? (first.tag ?? first.digest ?? first.image) : undefined;
}

/** Where a rollout stands, from one live state (pure). */
export function evaluateRollout(live: LiveState, opts: EvaluateOptions = {}): RolloutProgress {
  const w = live.workload;
  if (live.error) {
    const permanent = PERMANENT_ERRORS.includes(live.error.code);
    return { state: permanent ? 'failed' : 'waiting', message: permanent ? live.error.message : `${live.error.message} (retrying)`, reason: live.error.code, error: live.error, live };
  }
  if (!w) return { state: 'waiting', message: 'connecting to the cluster…', live };
  // "2/3": pods of the new revision that are ready, of those desired (readyReplicas counts old pods too)
  const readyNew = live.detailed && live.pods.length ? live.pods.filter((p) => p.current && p.ready).length : Math.min(w.verdict.ready ?? 0, w.verdict.updated ?? 0);
  const counts = { ready: readyNew, desired: w.verdict.desired, updated: w.verdict.updated };
  const run = running(live, opts.expect);
  const base = { ...counts, ...(run ? { running: run } : {}), live };
  if (opts.expect && (opts.expect.tag || opts.expect.digest) && !runsDeclared(w.images, opts.expect)) {
    const want = opts.expect.tag ?? opts.expect.digest!;
    const op = live.argo?.operation;
    const since = opts.since ?? 0;
    if (op && (op.phase === 'Failed' || op.phase === 'Error') && op.startedAt && Date.parse(op.startedAt) >= since - 1000) {
      return { ...base, state: 'failed', reason: 'SyncFailed', message: `Argo CD could not sync ${live.argo!.name}: ${op.message ?? op.phase}` };
    }
    const flux = live.flux;
    if (flux && (flux.status.state === 'failed' || flux.status.state === 'stalled') && flux.status.since && Date.parse(flux.status.since) >= since - 1000) {
      return { ...base, state: 'failed', reason: flux.status.reason ?? 'FluxFailed', message: `Flux could not apply ${flux.kind} ${flux.name}: ${flux.status.message}` };
    }
    const argo = live.argo ? `; Argo CD: ${live.argo.sync ?? 'Unknown'}${op?.phase === 'Running' ? ', syncing' : ''}` : '';
    const fluxText = flux ? `; Flux: ${fluxStateLabel(flux.status.state)}${flux.applied ? `, applied ${shortRevision(flux.applied)}` : ''}${flux.source?.revision ? `, source at ${shortRevision(flux.source.revision)}` : ''}` : '';
    return { ...base, state: 'waiting', message: `Waiting for ${want} to reach the cluster (it runs ${run ?? 'nothing yet'})${argo}${fluxText}` };
  }
  switch (w.verdict.state) {
    case 'done':
      return { ...base, state: 'done', message: w.verdict.message };
    case 'failed':
      return { ...base, state: 'failed', reason: failedReason(w.verdict), message: w.verdict.message };
  }
  if (live.stuck && opts.failFast !== false) {
    return { ...base, state: 'failed', reason: live.stuck.reason, message: `pod ${live.stuck.pod}: ${live.stuck.reason}${live.stuck.message && live.stuck.message !== live.stuck.reason ? `: ${live.stuck.message}` : ''}` };
  }
  return { ...base, state: 'progressing', message: w.verdict.message };
}

export interface WatchRolloutOptions extends EvaluateOptions {
  /** give up after this long (0 or undefined: no limit, like kubectl) */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** every change of state or message */
  readonly onUpdate?: (p: RolloutProgress) => void;
  /** the environment's health URL: once rolled out, it must answer 2xx for the rollout to be done */
  readonly healthUrl?: string;
  /** how the health URL is asked (attempts, interval, per-request timeout) */
  readonly healthCheck?: Omit<HealthCheckOptions, 'signal'>;
}

function isFinal(p: RolloutProgress): boolean {
  return p.state === 'done' || p.state === 'failed';
}

/** How a follow ends: a value, or an error. */
type Outcome<T> = { readonly value: T } | { readonly error: unknown };

/**
 * Follows an environment's live state (its pods too) until `decide` returns an outcome, the time runs
 * out (`onTimeout`'s outcome), or the signal aborts (a cancelled PilotError). Everything it opened is
 * closed when it ends.
 */
function follow<T>(
  session: KubeSession,
  target: ClusterTarget,
  opts: { readonly expect?: ImageRef; readonly signal?: AbortSignal; readonly timeoutMs?: number },
  decide: (live: LiveState) => Outcome<T> | undefined,
  onTimeout: (live: LiveState) => Outcome<T>,
): Promise<T> {
  const watch = new EnvironmentWatch(session, target, opts.expect);
  const detail = watch.holdDetail();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (o: Outcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sub.dispose();
      detail.dispose();
      watch.dispose();
      if ('error' in o) reject(o.error);
      else resolve(o.value);
    };
    const check = (live: LiveState) => {
      const o = decide(live);
      if (o) finish(o);
    };
    const onAbort = () => finish({ error: cancelled() });
    const sub = watch.onDidChange(check);
    const timer = opts.timeoutMs && opts.timeoutMs > 0 ? setTimeout(() => finish(onTimeout(watch.state)), opts.timeoutMs) : undefined;
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    check(watch.state);
  });
}

/**
 * Watches until the rollout is done or failed, or the timeout passes (resolves with state 'timeout');
 * with a health URL, done also needs it to answer 2xx (else failed with HealthCheckFailed).
 * Rejects with a cancelled PilotError when the signal aborts.
 */
export async function watchRollout(session: KubeSession, target: ClusterTarget, opts: WatchRolloutOptions = {}): Promise<RolloutProgress> {
  if (opts.healthUrl !== undefined) validateHealthUrl(opts.healthUrl);
  const p = await followRollout(session, target, opts);
  if (p.state !== 'done' || opts.healthUrl === undefined) return p;
  // the smoke test: rolled out is not done until the health URL answers
  opts.onUpdate?.({ ...p, state: 'progressing', message: `${p.message}; checking ${opts.healthUrl}` });
  const h = await checkHealthUrl(opts.healthUrl, { ...opts.healthCheck, signal: opts.signal });
  if (h.ok) return { ...p, message: `${p.message}; ${opts.healthUrl} ${h.message}` };
  return { ...p, state: 'failed', reason: 'HealthCheckFailed', message: `rolled out, but the health check failed: ${opts.healthUrl} ${h.message}${h.attempts > 1 ? ` (${h.attempts} attempts)` : ''}` };
}

/** The rollout itself, by kubectl's rules (and the failures it cannot see: stuck pods, a failed sync). */
function followRollout(session: KubeSession, target: ClusterTarget, opts: WatchRolloutOptions): Promise<RolloutProgress> {
  const since = opts.since ?? Date.now();
  let last: RolloutProgress | undefined;
  return follow<RolloutProgress>(
    session,
    target,
    opts,
    (live) => {
      const p = evaluateRollout(live, { ...opts, since });
      // a pod failure needs the pods: wait until they are listed
      if (p.state === 'failed' && p.reason && !live.error && live.stuck && !live.detailed) return undefined;
      if (!last || last.state !== p.state || last.message !== p.message || last.ready !== p.ready) opts.onUpdate?.(p);
      last = p;
      return isFinal(p) ? { value: p } : undefined;
    },
    (live) => {
      const p = last ?? evaluateRollout(live, { ...opts, since });
      const what = p.state === 'waiting' ? p.message.replace(/^Waiting/, 'waiting') : `the rollout (${p.message})`;
      return { value: { ...p, state: 'timeout', reason: 'Timeout', message: `timed out after ${formatMs(opts.timeoutMs!)} ${what.startsWith('waiting') ? what : `waiting for ${what}`}` } };
    },
  );
}

/**
 * Where the rollout stands now (`rollout-status` without --watch): the first state with the workload,
 * its pods and ReplicaSets listed. Any error (unreachable too) rejects.
 */
export function rolloutSnapshot(session: KubeSession, target: ClusterTarget, opts: EvaluateOptions & { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RolloutProgress> {
  return follow<RolloutProgress>(
    session,
    target,
    { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 },
    (live) => {
      if (live.error) return { error: live.error };
      if (!live.workload || !live.detailed) return undefined;
      return { value: evaluateRollout(live, { ...opts, failFast: false }) };
    },
    (live) => ({ error: live.warning ?? new Error('no answer from the cluster in time') }),
  );
}

/**
 * Whether an environment is healthy enough to promote from (into a protected environment): it runs the
 * image its file declares, rolled out by kubectl's rules. Anything else is unhealthy, with the reason —
 * including a cluster that cannot be asked (the promotion cannot be vouched for).
 */
export async function rolloutHealth(session: KubeSession, target: ClusterTarget, declared: ImageRef | undefined, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ healthy: boolean; reason: string }> {
  try {
    const p = await rolloutSnapshot(session, target, { ...(declared ? { expect: declared } : {}), timeoutMs: opts.timeoutMs ?? 20_000, signal: opts.signal });
    if (p.state === 'done') return { healthy: true, reason: p.message };
    return { healthy: false, reason: p.live.stuck ? `${p.live.stuck.reason} on pod ${p.live.stuck.pod}` : p.message };
  } catch (err) {
    if (isCancelled(err)) throw err;
    return { healthy: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
