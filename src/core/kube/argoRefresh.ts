/**
 * After a push that moves an environment: ask its Argo CD Application (or its Flux Kustomization /
 * HelmRelease, source first) to look at git now (the
 * `argocd.argoproj.io/refresh: normal` annotation, what `argocd app get --refresh` sets), instead of
 * waiting for Argo CD's poll (`timeout.reconciliation`, 120 s plus up to 60 s of jitter by default).
 * The push has happened either way: a refresh that cannot be requested is a warning, never a failure.
 */
import type { Environment } from '../config/model';
import { isCancelled } from '../errors';
import { refreshArgoApp } from './actions';
import type { FluxRef } from './flux';
import { reconcileFlux, type FluxTarget } from './fluxActions';
import type { KubeSession } from './session';

export interface PushOutcome {
  readonly status: 'pushed' | 'committed' | 'unchanged';
  readonly env: Environment;
}

export interface RefreshOutcome {
  readonly requested: boolean;
  /** `asked Argo CD to refresh demo-app-prod`, or why it could not */
  readonly message: string;
}

/**
 * Requests the refresh when the result was pushed to the deployment branch (a pull-request branch is not
 * what Argo CD follows) and the environment names its Application. Undefined: nothing to do.
 */
export async function refreshAfterPush(
  session: () => KubeSession,
  result: PushOutcome,
  opts: { readonly pushMode: false | 'direct' | 'branch' | 'pull-request'; readonly context?: string; readonly signal?: AbortSignal; /** the workspace's pick over gitops-pilot.yaml's `flux:` */ readonly flux?: FluxRef },
): Promise<RefreshOutcome | undefined> {
  if (result.status !== 'pushed' || opts.pushMode !== 'direct') return undefined;
  const context = opts.context ?? result.env.cluster?.context;
  const flux = opts.flux ?? result.env.flux;
  if (flux && !result.env.argocd) return reconcileAfterPush(session, { ...flux, ...(context ? { context } : {}) }, opts.signal);
  const app = result.env.argocd;
  if (!app) return undefined;
  try {
    await refreshArgoApp(session(), { ...(context ? { context } : {}), application: app.application, namespace: app.namespace }, { signal: opts.signal });
    return { requested: true, message: `asked Argo CD to refresh ${app.application}: the sync starts now instead of at its next poll` };
  } catch (err) {
    if (isCancelled(err)) throw err;
    const why = err instanceof Error ? err.message : String(err);
    return { requested: false, message: `could not ask Argo CD to refresh ${app.application} (${why}); it syncs at its next poll (up to 3 minutes)` };
  }
}

/** Flux: Reconcile now with the source (`flux reconcile … --with-source`), so the pushed commit is applied now instead of at the GitRepository's next fetch. */
async function reconcileAfterPush(session: () => KubeSession, t: FluxTarget, signal?: AbortSignal): Promise<RefreshOutcome> {
  const what = `${t.kind} ${t.namespace}/${t.name}`;
  try {
    await reconcileFlux(session(), t, { signal });
    return { requested: true, message: `asked Flux to reconcile ${what} with its source: the pushed commit is applied now instead of at the next interval` };
  } catch (err) {
    if (isCancelled(err)) throw err;
    const why = err instanceof Error ? err.message : String(err);
    return { requested: false, message: `could not ask Flux to reconcile ${what} (${why}); it applies the commit at its next interval` };
  }
}
