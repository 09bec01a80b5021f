/**
 * What a user can ask Flux to do, written the way the flux CLI writes it:
 *   - Reconcile now (`flux reconcile kustomization|helmrelease NAME --with-source`): the
 *     `reconcile.fluxcd.io/requestedAt` annotation on the source GitRepository, wait until the source
 *     reports it handled (`status.lastHandledReconcileAt`), then the same on the Kustomization/HelmRelease.
 *   - Suspend / Resume (`flux suspend|resume …`): `spec.suspend` true / false (resume also requests a reconcile).
 */
import { cancelled, inputError, PilotError } from '../errors';
import { fluxStatus, REQUESTED_AT_ANNOTATION, sourceRefOf, type FluxRef } from './flux';
import { FLUX_RESOURCES, qualified, resourcePath, type KubeObject, type ResourceName } from './resources';
import type { KubeSession } from './session';

const MERGE = 'application/merge-patch+json';

export interface FluxTarget extends FluxRef {
  readonly context?: string;
}

export interface FluxActionOptions {
  readonly signal?: AbortSignal;
  /** how long to wait for the source to handle its request (default 2 min, the flux CLI's timeout is 5) */
  readonly sourceTimeoutMs?: number;
  /** injected clock for the request token (tests) */
  readonly now?: () => Date;
  /** how often the source is read while waiting (default 500 ms) */
  readonly pollMs?: number;
}

function op(resource: ResourceName, namespace: string, name: string, verb = 'patch') {
  return { verb, resource: qualified(resource), namespace, name };
}

async function annotate(session: KubeSession, context: string | undefined, resource: ResourceName, namespace: string, name: string, token: string, signal?: AbortSignal): Promise<KubeObject> {
  const body = { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: token } } };
  return session.request<KubeObject>(context, 'PATCH', resourcePath(resource, namespace, name), op(resource, namespace, name), { body, contentType: MERGE, signal });
}

/** Reconcile now, with the source first. Resolves once both requests are made (the tree shows the rest). */
export async function reconcileFlux(session: KubeSession, t: FluxTarget, opts: FluxActionOptions = {}): Promise<{ source?: string }> {
  const resource = FLUX_RESOURCES[t.kind];
  const obj = await session.request<KubeObject>(t.context, 'GET', resourcePath(resource, t.namespace, t.name), op(resource, t.namespace, t.name, 'get'), { signal: opts.signal });
  if (obj.spec?.suspend === true) {
    throw inputError('flux.suspended', `${t.kind} ${t.namespace}/${t.name} is suspended: Flux does not reconcile it`, { hint: 'Resume it first (GitOps Pilot: Resume Flux Reconciliation)' });
  }
  const token = (opts.now?.() ?? new Date()).toISOString();
  const src = sourceRefOf(obj);
  let source: string | undefined;
  if (src && src.kind === 'GitRepository') {
    source = `${src.namespace}/${src.name}`;
    await annotate(session, t.context, 'gitrepositories', src.namespace, src.name, token, opts.signal);
    await waitHandled(session, t.context, src.namespace, src.name, token, opts);
  }
  await annotate(session, t.context, resource, t.namespace, t.name, token, opts.signal);
  return source ? { source } : {};
}

/** Polls the GitRepository until it handled the request (or failed to fetch: Flux then reconciles with the old artifact). */
async function waitHandled(session: KubeSession, context: string | undefined, namespace: string, name: string, token: string, opts: FluxActionOptions): Promise<void> {
  const deadline = Date.now() + (opts.sourceTimeoutMs ?? 120_000);
  const path = resourcePath('gitrepositories', namespace, name);
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    const repo = await session.request<KubeObject>(context, 'GET', path, op('gitrepositories', namespace, name, 'get'), { signal: opts.signal });
    if (repo.status?.lastHandledReconcileAt === token) {
      const st = fluxStatus(repo);
      if (st.state === 'failed' || st.state === 'stalled') {
        throw new PilotError('flux.sourceFailed', `GitRepository ${namespace}/${name} could not fetch: ${st.message}`, { hint: 'Check the repository URL, branch and credentials of the GitRepository (flux get sources git -A)' });
      }
      return;
    }
    if (Date.now() > deadline) {
      throw new PilotError('flux.sourceTimeout', `GitRepository ${namespace}/${name} did not handle the reconcile request in time`, { hint: 'Is source-controller running? (kubectl -n flux-system get deploy source-controller)' });
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

/** Suspend (true) or resume (false) reconciliation; resuming also asks for a reconcile, as `flux resume` does. */
export async function setFluxSuspended(session: KubeSession, t: FluxTarget, suspend: boolean, opts: FluxActionOptions = {}): Promise<KubeObject> {
  const resource = FLUX_RESOURCES[t.kind];
  const body = suspend ? { spec: { suspend: true } } : { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: (opts.now?.() ?? new Date()).toISOString() } }, spec: { suspend: false } };
  return session.request<KubeObject>(t.context, 'PATCH', resourcePath(resource, t.namespace, t.name), op(resource, t.namespace, t.name), { body, contentType: MERGE, signal: opts.signal });
}
