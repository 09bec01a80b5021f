/**
 * One environment's cluster, live: subscribes to the shared informers it needs (its namespace's
 * workloads of its kind and the Argo CD namespace's Applications: one stream each, shared by every
 * environment there; and while someone wants the details, its pods, ReplicaSets and the namespace's
 * events) and turns them into a LiveState on every change. Used by the tree (one per environment shown),
 * the status bar and `gitops-pilot rollout-status` (through watchRollout).
 */
import { parseWorkload, type Environment, type WorkloadKind } from '../config/model';
import { PilotError } from '../errors';
import { Emitter, type Disposable, type Event } from '../util/events';
import { crdMissing, kubeError, KubeApiError, namespaceMissing, workloadMissing } from './errors';
import type { Informer, Subscription } from './informer';
import type { ContextInfo } from './kubeconfig';
import { computeLiveState, healthOf, summaryOf, type LiveState } from './liveState';
import type { ImageRef } from '../gitops/message';
import { fluxInfo, sourceRefOf, type FluxInfo, type FluxRef } from './flux';
import { FLUX_RESOURCES, formatLabelSelector, qualified, resourcePath, WORKLOAD_RESOURCES, type ResourceName } from './resources';
import type { KubeSession } from './session';

/** Where an environment runs. */
export interface ClusterTarget {
  /** undefined: the kubeconfig's current context */
  readonly context?: string;
  /** undefined: the context's namespace, else `default` */
  readonly namespace?: string;
  readonly workload: { readonly kind: WorkloadKind; readonly name: string };
  readonly argocd?: { readonly application: string; readonly namespace: string };
  /** the Flux Kustomization / HelmRelease that applies it */
  readonly flux?: FluxRef;
}

/**
 * Where a user picked that an environment runs, in one workspace ("Select Kubernetes Context…"): each
 * field overrides gitops-pilot.yaml's.
 */
export interface ClusterMapping {
  readonly context?: string;
  readonly namespace?: string;
  /** `deployment/web` */
  readonly workload?: string;
  /** the Kustomization / HelmRelease picked for the workload (over gitops-pilot.yaml's `flux:`) */
  readonly flux?: FluxRef;
}

/**
 * Where an environment runs: gitops-pilot.yaml's cluster and workload, under the mapping picked in this
 * workspace when there is one. Undefined when neither names a workload.
 */
export function configuredTarget(env: Environment, mapping?: ClusterMapping): ClusterTarget | undefined {
  const workload = parseWorkload(mapping?.workload) ?? env.workload;
  if (!workload) return undefined;
  const context = mapping?.context ?? env.cluster?.context;
  const namespace = mapping?.namespace ?? env.cluster?.namespace;
  const flux = mapping?.flux ?? env.flux;
  return { ...(context ? { context } : {}), ...(namespace ? { namespace } : {}), workload, ...(env.argocd ? { argocd: env.argocd } : {}), ...(flux ? { flux } : {}) };
}

const CONNECTING: LiveState = { health: 'connecting', summary: 'connecting…', stale: false, replicaSets: [], pods: [], events: [], detailed: false };

/** Errors that will not go away by retrying: a watch reports them at once instead of waiting. */
export const PERMANENT_ERRORS: readonly string[] = [
  'kube.noKubeconfig',
  'kube.kubeconfigInvalid',
  'kube.noContext',
  'kube.contextMissing',
  'kube.clusterMissing',
  'kube.namespaceMissing',
  'kube.workloadMissing',
  'kube.forbidden',
  'kube.unauthorized',
  'kube.execFailed',
  'kube.crdMissing',
];

export class EnvironmentWatch implements Disposable {
  private readonly changed = new Emitter<LiveState>();
  /** fires with the new state whenever it changes */
  readonly onDidChange: Event<LiveState> = this.changed.event;
  private _state: LiveState = CONNECTING;
  private fingerprint = '';
  private ctx: ContextInfo | undefined;
  private ctxError: PilotError | undefined;
  private namespace = '';
  private workloadSub: Subscription | undefined;
  private appSub: Subscription | undefined;
  /** the Flux object's kind in its namespace, and that namespace's GitRepositories */
  private fluxSubs: { obj: Subscription; sources: Subscription } | undefined;
  private detailSubs: { pods?: Subscription; replicaSets?: Subscription; events?: Subscription; selector: string } | undefined;
  private detailHolders = 0;
  private missing: { checkedFor: string; error?: PilotError } | undefined;
  private scheduled = false;
  private disposed = false;
  private epoch = 0;

  constructor(
    private readonly session: KubeSession,
    readonly target: ClusterTarget,
    private declared: ImageRef | undefined = undefined,
  ) {
    void this.connect();
  }

  get state(): LiveState {
    return this._state;
  }

  /** The context and namespace in use (once resolved). */
  get where(): { context?: string; namespace?: string } {
    return { context: this.ctx?.name, namespace: this.namespace || undefined };
  }

  /** The image git declares (for drift); recomputes the state. */
  setDeclared(declared: ImageRef | undefined): void {
    if (JSON.stringify(declared) === JSON.stringify(this.declared)) return;
    this.declared = declared;
    this.schedule();
  }

  /** Watches pods, ReplicaSets and events too while the returned handle is held. */
  holdDetail(): Disposable {
    this.detailHolders++;
    this.updateDetail();
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        this.detailHolders--;
        this.updateDetail();
        this.schedule();
      },
    };
  }

  get detailHeld(): boolean {
    return this.detailHolders > 0;
  }

  /** Resolves the context again and resubscribes (the kubeconfig or the mapping changed). */
  reconnect(): void {
    this.unsubscribeAll();
    this.ctx = undefined;
    this.ctxError = undefined;
    this.missing = undefined;
    this._state = CONNECTING;
    this.fingerprint = '';
    void this.connect();
  }

  private async connect(): Promise<void> {
    const epoch = ++this.epoch;
    try {
      const ctx = await this.session.resolveContext(this.target.context);
      if (this.disposed || epoch !== this.epoch) return;
      this.ctx = ctx;
      this.namespace = this.target.namespace ?? ctx.namespace ?? 'default';
      const resource = WORKLOAD_RESOURCES[this.target.workload.kind];
      // Namespace-wide, not by name: every environment in a namespace (and every Argo CD application in
      // argocd) shares one watch stream, so watching 50 environments does not open 50 streams.
      this.workloadSub = this.session.pool.subscribe({ context: ctx.name, namespace: this.namespace, resource }, () => this.onWorkload());
      if (this.target.argocd) {
        this.appSub = this.session.pool.subscribe({ context: ctx.name, namespace: this.target.argocd.namespace, resource: 'applications' }, () => this.schedule());
      }
      if (this.target.flux) {
        const ns = this.target.flux.namespace;
        this.fluxSubs = {
          obj: this.session.pool.subscribe({ context: ctx.name, namespace: ns, resource: FLUX_RESOURCES[this.target.flux.kind] }, () => this.schedule()),
          sources: this.session.pool.subscribe({ context: ctx.name, namespace: ns, resource: 'gitrepositories' }, () => this.schedule()),
        };
      }
      this.onWorkload();
    } catch (err) {
      if (this.disposed || epoch !== this.epoch) return;
      this.ctxError = err instanceof PilotError ? err : kubeError(err, { name: this.target.context ?? '(current)', cluster: '', user: '', server: '' }, { verb: 'connect to' });
      this.schedule();
    }
  }

  private onWorkload(): void {
    this.updateDetail();
    this.checkMissing();
    this.schedule();
  }

  /** The workload informer is synced and empty: is it the namespace or the workload that is missing? */
  private checkMissing(): void {
    const inf = this.workloadSub?.informer;
    const ctx = this.ctx;
    if (!inf || !ctx || !inf.synced) return;
    if (inf.get(this.target.workload.name)) {
      this.missing = undefined;
      return;
    }
    const key = inf.resourceVersion;
    if (this.missing?.checkedFor === key) return;
    this.missing = { checkedFor: key };
    const check = this.missing;
    const { kind, name } = this.target.workload;
    void this.session
      .request(ctx.name, 'GET', resourcePath('namespaces', undefined, this.namespace), { verb: 'get', resource: 'namespaces', name: this.namespace })
      .then(
        () => workloadMissing(ctx, this.namespace, kind, name),
        (err: unknown) => ((err as PilotError).code === 'kube.notFound' ? namespaceMissing(ctx, this.namespace) : workloadMissing(ctx, this.namespace, kind, name)),
      )
      .then((e) => {
        if (this.missing !== check) return;
        check.error = e;
        this.schedule();
      });
  }

  private updateDetail(): void {
    if (this.disposed) return;
    const w = this.workloadSub?.informer.get(this.target.workload.name);
    const ctx = this.ctx;
    const want = this.detailHolders > 0 && w !== undefined && ctx !== undefined;
    const selector = w ? formatLabelSelector(w.spec?.selector) : '';
    if (!want || (this.detailSubs && this.detailSubs.selector !== selector)) {
      this.disposeDetail();
      if (!want) return;
    }
    if (this.detailSubs || !selector) return;
    const base = { context: ctx!.name, namespace: this.namespace };
    const listener = () => this.schedule();
    const kind = this.target.workload.kind;
    this.detailSubs = {
      selector,
      pods: this.session.pool.subscribe({ ...base, resource: 'pods', labelSelector: selector }, listener),
      ...(kind === 'deployment' || kind === 'rollout' ? { replicaSets: this.session.pool.subscribe({ ...base, resource: 'replicasets', labelSelector: selector }, listener) } : {}),
      events: this.session.pool.subscribe({ ...base, resource: 'events' }, listener),
    };
  }

  private disposeDetail(): void {
    const d = this.detailSubs;
    this.detailSubs = undefined;
    d?.pods?.dispose();
    d?.replicaSets?.dispose();
    d?.events?.dispose();
  }

  private unsubscribeAll(): void {
    this.epoch++;
    this.disposeDetail();
    this.workloadSub?.dispose();
    this.appSub?.dispose();
    this.fluxSubs?.obj.dispose();
    this.fluxSubs?.sources.dispose();
    this.fluxSubs = undefined;
    this.workloadSub = undefined;
    this.appSub = undefined;
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.disposed) this.recompute();
    });
  }

  /** Computes the state now (normally coalesced per microtask; tests and one-shot readers may call it). */
  recompute(): LiveState {
    const next = this.compute();
    const fp = fingerprint(next);
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this._state = next;
      this.changed.fire(next);
    }
    return this._state;
  }

  private compute(): LiveState {
    const where = { ...(this.ctx ? { context: this.ctx.name } : {}), ...(this.namespace ? { namespace: this.namespace } : {}) };
    if (this.ctxError) return { ...CONNECTING, ...where, health: 'error', summary: this.ctxError.message, error: this.ctxError };
    const wInf = this.workloadSub?.informer;
    if (!wInf || !this.ctx) return { ...CONNECTING, ...where };
    const resource = WORKLOAD_RESOURCES[this.target.workload.kind];
    if (!wInf.synced) {
      if (wInf.status === 'error' && wInf.error) {
        const error = this.translateMissingType(wInf, resource, 'Argo Rollouts');
        return { ...CONNECTING, ...where, health: 'error', summary: error.message, error };
      }
      return { ...CONNECTING, ...where };
    }
    const workload = wInf.get(this.target.workload.name);
    if (!workload) {
      const error = this.missing?.error;
      if (!error) return { ...CONNECTING, ...where };
      return { ...CONNECTING, ...where, health: 'error', summary: error.message, error };
    }
    const appInf = this.appSub?.informer;
    // the Argo CD application is part of the first state shown (no "Healthy" flashing to "Synced · Healthy")
    if (appInf && appInf.status === 'connecting') return { ...CONNECTING, ...where };
    // the Flux object and its source too (no "Ready" flashing to "Ready, source at …")
    if (this.fluxSubs && [this.fluxSubs.obj, this.fluxSubs.sources].some((sub) => sub.informer.status === 'connecting')) return { ...CONNECTING, ...where };
    const d = this.detailSubs;
    const detailed = !!d && [d.pods, d.replicaSets, d.events].every((s) => !s || s.informer.synced || s.informer.status === 'error');
    const app = appInf && this.target.argocd ? appInf.get(this.target.argocd.application) : undefined;
    const partial = computeLiveState({
      kind: this.target.workload.kind,
      name: this.target.workload.name,
      workload,
      replicaSets: d?.replicaSets?.informer.objects,
      pods: d?.pods?.informer.objects,
      events: d?.events?.informer.objects,
      app,
      declared: this.declared,
      detailed,
    });
    let argoError: PilotError | undefined;
    if (appInf && this.target.argocd) {
      if (!appInf.synced && appInf.status === 'error' && appInf.error) argoError = this.translateMissingType(appInf, 'applications', 'Argo CD');
      else if (appInf.synced && !app) argoError = argoMissing(this.ctx.name, this.target.argocd.application, this.target.argocd.namespace);
    }
    const { flux, fluxError } = this.fluxState();
    const detailError = [d?.pods, d?.replicaSets, d?.events].map((s) => s?.informer.error).find(Boolean);
    const warning = wInf.error ?? detailError ?? (appInf?.stale ? appInf.error : undefined);
    const health = healthOf({ ...partial, ...(flux ? { flux } : {}), error: undefined });
    const state: LiveState = {
      ...partial,
      ...(flux ? { flux } : {}),
      ...(fluxError ? { fluxError } : {}),
      ...where,
      health,
      summary: summaryOf({ ...partial, ...(flux ? { flux } : {}), health }, this.declared),
      stale: wInf.stale,
      ...(warning ? { warning } : {}),
      ...(argoError ? { argoError } : {}),
    };
    return state;
  }

  /** The Flux object with its source, or why it cannot be shown. */
  private fluxState(): { flux?: FluxInfo; fluxError?: PilotError } {
    const ref = this.target.flux;
    const subs = this.fluxSubs;
    if (!ref || !subs || !this.ctx) return {};
    const inf = subs.obj.informer;
    if (!inf.synced && inf.status === 'error' && inf.error) return { fluxError: this.translateMissingType(inf, FLUX_RESOURCES[ref.kind], 'Flux') };
    const obj = inf.get(ref.name);
    if (!obj) return inf.synced ? { fluxError: fluxMissing(this.ctx.name, ref) } : {};
    const src = sourceRefOf(obj);
    const source = src && src.namespace === ref.namespace && src.kind === 'GitRepository' ? subs.sources.informer.get(src.name) : undefined;
    return { flux: fluxInfo(obj, source) };
  }

  private translateMissingType(inf: Informer, resource: ResourceName, product: string): PilotError {
    const e = inf.error!;
    const cause = e.cause;
    if ((resource === 'rollouts' || resource === 'applications' || resource === 'kustomizations' || resource === 'helmreleases' || resource === 'gitrepositories') && cause instanceof KubeApiError && cause.statusCode === 404) return crdMissing(this.ctx!, qualified(resource), product);
    return e;
  }

  dispose(): void {
    if (this.disposed) return;
    this.unsubscribeAll();
    this.disposed = true;
    this.changed.dispose();
  }
}

function argoMissing(context: string, application: string, namespace: string): PilotError {
  return new PilotError('kube.argoAppMissing', `Argo CD application "${application}" was not found in namespace ${namespace} (context "${context}")`, {
    hint: 'Check argocd.application and argocd.namespace in gitops-pilot.yaml',
  });
}

function fluxMissing(context: string, ref: FluxRef): PilotError {
  return new PilotError('kube.fluxObjectMissing', `Flux ${ref.kind} "${ref.name}" was not found in namespace ${ref.namespace} (context "${context}")`, {
    hint: `Check flux.${ref.kind === 'Kustomization' ? 'kustomization' : 'helmRelease'} and flux.namespace in gitops-pilot.yaml (flux get ${ref.kind === 'Kustomization' ? 'kustomizations' : 'helmreleases'} -A lists them)`,
  });
}

/** What decides whether a state is new: everything shown, with errors by code and message. */
function fingerprint(s: LiveState): string {
  return JSON.stringify(s, (_k, v) => (v instanceof Error ? { code: (v as PilotError).code, message: v.message } : v));
}
