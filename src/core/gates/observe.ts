/**
 * What the gates need from the source environment's cluster, asked once: is it running the image its
 * file declares, rolled out (kubectl's rules), since when (cluster timestamps only: the workload's own
 * completion condition and the Argo CD operation's finishedAt), the latest Argo Rollouts AnalysisRun of
 * its current revision, and (when verify asks) its health URL.
 */
import type { Environment } from '../config/model';
import { isCancelled } from '../errors';
import { readEnvironmentFile } from '../gitops/environmentFile';
import { configuredTarget } from '../kube/environmentWatch';
import { checkHealthUrl } from '../kube/healthCheck';
import type { ClusterTarget } from '../kube/environmentWatch';
import type { ImageRef } from '../gitops/message';
import type { LiveState } from '../kube/liveState';
import { resourcePath, type KubeObject } from '../kube/resources';
import type { KubeSession } from '../kube/session';
import { evaluateRollout, rolloutSnapshot } from '../kube/watchRollout';
import type { SourceObservation } from './decide';

export interface ObserveOptions {
  readonly signal?: AbortSignal;
  /** ask the source's healthUrl (verify: [healthUrl]) */
  readonly healthUrl?: boolean;
  readonly timeoutMs?: number;
  /** where it runs, when not (only) gitops-pilot.yaml says so (the editor's per-workspace mapping) */
  readonly target?: ClusterTarget;
}

/**
 * What one live state says about a source (pure: the tree computes it from the state it already
 * watches). Its health URL and analysis are not in it (`partial`): promote asks for them.
 */
export function observationFromLive(live: LiveState, declared: ImageRef | undefined): SourceObservation {
  const p = evaluateRollout(live, { ...(declared ? { expect: declared } : {}), failFast: false });
  const healthy = p.state === 'done';
  const reason = healthy ? p.message : live.stuck ? `${live.stuck.reason} on pod ${live.stuck.pod}` : p.message;
  return { healthy, reason, ...(healthy ? sinceOf(live) : {}) };
}

/** undefined when the environment does not say where it runs (no workload in gitops-pilot.yaml). */
export async function observeSource(session: KubeSession, env: Environment, opts: ObserveOptions = {}): Promise<SourceObservation | undefined> {
  const target = opts.target ?? configuredTarget(env);
  if (!target) return undefined;
  const file = await readEnvironmentFile(env);
  const declared = file.ok ? file.declared : undefined;
  let live: LiveState;
  try {
    live = (await rolloutSnapshot(session, target, { ...(declared ? { expect: declared } : {}), timeoutMs: opts.timeoutMs ?? 20_000, signal: opts.signal })).live;
  } catch (err) {
    if (isCancelled(err)) throw err;
    return { healthy: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const seen = observationFromLive(live, declared);
  const healthy = seen.healthy;
  const healthUrl = opts.healthUrl && env.healthUrl && healthy ? await checkHealthUrl(env.healthUrl, { attempts: 1, signal: opts.signal }) : undefined;
  const analysis = env.workload?.kind === 'rollout' && live.workload?.podHash ? await latestAnalysis(session, target.context, live.namespace ?? target.namespace ?? 'default', env.workload.name, live.workload.podHash, opts.signal) : undefined;
  return {
    ...seen,
    ...(analysis ? { analysis } : {}),
    ...(healthUrl ? { healthUrl: { ok: healthUrl.ok, message: healthUrl.message } } : {}),
  };
}

/** The later of the workload's completion and the last successful Argo CD operation's finish. */
export function sinceOf(live: Pick<LiveState, 'workload' | 'argo'>): { healthySince?: string } {
  const times = [live.workload?.completedAt, live.argo?.operation?.phase === 'Succeeded' ? live.argo.operation.finishedAt : undefined].filter((t): t is string => Boolean(t) && !Number.isNaN(Date.parse(t!)));
  if (!times.length) return {};
  return { healthySince: times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) };
}

/** The newest AnalysisRun of a Rollout's revision (by its pod template hash), as Argo Rollouts labels them. */
async function latestAnalysis(session: KubeSession, context: string | undefined, namespace: string, rollout: string, podHash: string, signal?: AbortSignal): Promise<SourceObservation['analysis']> {
  let list: { items?: KubeObject[] };
  try {
    const selector = encodeURIComponent(`rollouts-pod-template-hash=${podHash}`);
    list = await session.request(context, 'GET', `${resourcePath('analysisruns', namespace)}?labelSelector=${selector}`, { verb: 'list', resource: 'analysisruns.argoproj.io', namespace }, { signal });
  } catch (err) {
    if (isCancelled(err)) throw err;
    return undefined; // no AnalysisRun CRD (Argo Rollouts without analysis), or not allowed to list: nothing to verify
  }
  const runs = (list.items ?? []).filter((r) => r.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === rollout) ?? true);
  runs.sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
  const r = runs[0];
  if (!r) return undefined;
  return { name: r.metadata.name ?? '', phase: String(r.status?.phase ?? ''), ...(r.status?.message ? { message: String(r.status.message) } : analysisMessage(r)) };
}

/** A failed run's reason when status.message is empty: its first failed metric. */
export function analysisMessage(run: KubeObject): { message?: string } {
  const metric = (run.status?.metricResults ?? []).find((m: { phase?: string }) => m.phase === 'Failed' || m.phase === 'Error' || m.phase === 'Inconclusive');
  return metric ? { message: `metric "${metric.name}" assessed ${metric.phase}${metric.message ? `: ${metric.message}` : ''}` } : {};
}
