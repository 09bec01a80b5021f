/**
 * What a user can ask a cluster to do from the editor, written the way the official tools write it:
 *   - Argo CD Sync now: set the Application's `operation` (what `argocd app sync` has the API server do,
 *     and the documented kubectl way); Refresh: the `argocd.argoproj.io/refresh` annotation.
 *   - Argo Rollouts Promote / Abort: the patches of `kubectl argo rollouts promote` / `abort` (merge
 *     patches on the spec and on the status subresource).
 */
import { inputError } from '../errors';
import type { KubeObject } from './resources';
import { resourcePath } from './resources';
import type { KubeSession } from './session';

const MERGE = 'application/merge-patch+json';

export interface AppRef {
  readonly context?: string;
  readonly application: string;
  readonly namespace: string;
}

export interface RolloutRef {
  readonly context?: string;
  readonly namespace: string;
  readonly name: string;
}

/** Starts a sync of the Application to its target revision. Refuses while another operation runs. */
export async function syncArgoApp(session: KubeSession, ref: AppRef, opts: { signal?: AbortSignal; initiatedBy?: string } = {}): Promise<KubeObject> {
  const path = resourcePath('applications', ref.namespace, ref.application);
  const op = { verb: 'patch', resource: 'applications.argoproj.io', namespace: ref.namespace, name: ref.application };
  const app = await session.request<KubeObject>(ref.context, 'GET', path, { ...op, verb: 'get' }, { signal: opts.signal });
  if (app.operation || app.status?.operationState?.phase === 'Running') {
    throw inputError('argocd.operationRunning', `${ref.application} is already syncing`, { hint: 'Wait for the running sync to finish (its state shows under the environment)' });
  }
  const revision: string | undefined = app.spec?.source?.targetRevision ?? app.spec?.sources?.[0]?.targetRevision;
  const body = {
    operation: {
      initiatedBy: { username: opts.initiatedBy ?? 'gitops-pilot' },
      sync: { ...(revision ? { revision } : {}), syncStrategy: { hook: {} } },
    },
  };
  return session.request<KubeObject>(ref.context, 'PATCH', path, op, { body, contentType: MERGE, signal: opts.signal });
}

/** Asks Argo CD to compare the Application with git again (`normal`), or to also regenerate manifests (`hard`). */
export async function refreshArgoApp(session: KubeSession, ref: AppRef, opts: { hard?: boolean; signal?: AbortSignal } = {}): Promise<KubeObject> {
  const path = resourcePath('applications', ref.namespace, ref.application);
  const body = { metadata: { annotations: { 'argocd.argoproj.io/refresh': opts.hard ? 'hard' : 'normal' } } };
  return session.request<KubeObject>(ref.context, 'PATCH', path, { verb: 'patch', resource: 'applications.argoproj.io', namespace: ref.namespace, name: ref.application }, { body, contentType: MERGE, signal: opts.signal });
}

/**
 * The patches `kubectl argo rollouts promote` sends: unpause (spec.paused, status.pauseConditions) when
 * paused, else skip the current canary step; with `full`, promoteFull. Undefined when there is nothing to promote.
 */
export function promotePatches(rollout: KubeObject, opts: { full?: boolean } = {}): { spec?: unknown; status?: unknown } | undefined {
  const spec = rollout.spec ?? {};
  const status = rollout.status ?? {};
  const steps: unknown[] = Array.isArray(spec.strategy?.canary?.steps) ? spec.strategy.canary.steps : [];
  if (opts.full) {
    if (status.currentPodHash && status.currentPodHash === status.stableRS) return undefined;
    return { status: { status: { promoteFull: true } } };
  }
  const pauseConditions = Array.isArray(status.pauseConditions) ? status.pauseConditions : [];
  const unpause = spec.paused === true || pauseConditions.length > 0 || !spec.strategy?.canary;
  if (unpause) {
    const out: { spec?: unknown; status?: unknown } = {};
    if (spec.paused === true) out.spec = { spec: { paused: false } };
    if (pauseConditions.length > 0) out.status = { status: { pauseConditions: null } };
    return out.spec || out.status ? out : undefined;
  }
  if (!steps.length) return undefined;
  let index = typeof status.currentStepIndex === 'number' ? status.currentStepIndex : 0;
  if (index >= steps.length) return undefined;
  index++;
  return { status: { status: { currentStepIndex: index } } };
}

/** Promotes a paused (or stepping) canary one step, or fully. */
export async function promoteRollout(session: KubeSession, ref: RolloutRef, opts: { full?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const path = resourcePath('rollouts', ref.namespace, ref.name);
  const op = { verb: 'patch', resource: 'rollouts.argoproj.io', namespace: ref.namespace, name: ref.name };
  const ro = await session.request<KubeObject>(ref.context, 'GET', path, { ...op, verb: 'get' }, { signal: opts.signal });
  const patches = promotePatches(ro, opts);
  if (!patches) throw inputError('rollout.nothingToPromote', `${ref.name} has no step left to promote`, { hint: 'The rollout is already fully promoted' });
  if (patches.spec) await session.request(ref.context, 'PATCH', path, op, { body: patches.spec, contentType: MERGE, signal: opts.signal });
  if (patches.status) await session.request(ref.context, 'PATCH', `${path}/status`, { ...op, resource: 'rollouts.argoproj.io/status' }, { body: patches.status, contentType: MERGE, signal: opts.signal });
}

/** Aborts the update: the canary is scaled away and traffic goes back to stable (`kubectl argo rollouts abort`). */
export async function abortRollout(session: KubeSession, ref: RolloutRef, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const path = resourcePath('rollouts', ref.namespace, ref.name);
  await session.request(ref.context, 'PATCH', `${path}/status`, { verb: 'patch', resource: 'rollouts.argoproj.io/status', namespace: ref.namespace, name: ref.name }, { body: { status: { abort: true } }, contentType: MERGE, signal: opts.signal });
}
