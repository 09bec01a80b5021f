/**
 * Flux as the sync engine: the state of a Kustomization (kustomize.toolkit.fluxcd.io/v1) or HelmRelease
 * (helm.toolkit.fluxcd.io/v2) and of its source GitRepository (source.toolkit.fluxcd.io/v1), read from
 * plain JSON as the API server returns it.
 *
 * Readiness is the one Flux computes (kstatus, as `flux reconcile` / `flux get` use it):
 *   spec.suspend                              -> suspended (nothing new is applied)
 *   status.observedGeneration < generation    -> reconciling (the controller has not seen the spec yet)
 *   reconcile.fluxcd.io/requestedAt not yet in status.lastHandledReconcileAt -> reconciling
 *   Reconciling=True, reason ProgressingWithRetry, with Ready=False -> failed (Flux retries; Ready says why)
 *   Reconciling=True                          -> reconciling (reason Progressing)
 *   Stalled=True                              -> stalled (gives up until the spec changes)
 *   Ready=True / False / Unknown              -> ready / failed / reconciling
 * What was applied: a Kustomization's `status.lastAppliedRevision` (`main@sha1:<commit>`); a HelmRelease's
 * newest `status.history` entry, whose chart version carries the commit (`0.1.0+<12 hex>`) when its chart
 * comes from a GitRepository with `reconcileStrategy: Revision` (v2beta1/v2beta2: `status.lastAppliedRevision`).
 */
import type { KubeObject } from './resources';
import type { RolloutState } from './rolloutStatus';

export type FluxKind = 'Kustomization' | 'HelmRelease';
export type FluxState = 'ready' | 'reconciling' | 'stalled' | 'failed' | 'suspended';

export const FLUX_GROUPS: Readonly<Record<FluxKind | 'GitRepository', string>> = {
  Kustomization: 'kustomize.toolkit.fluxcd.io',
  HelmRelease: 'helm.toolkit.fluxcd.io',
  GitRepository: 'source.toolkit.fluxcd.io',
};

export const REQUESTED_AT_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

/** An environment's Flux object, as gitops-pilot.yaml names it. */
export interface FluxRef {
  readonly kind: FluxKind;
  readonly name: string;
  readonly namespace: string;
}

export interface FluxStatus {
  readonly state: FluxState;
  /** the deciding condition's reason (ReconciliationSucceeded, HealthCheckFailed, Progressing, ...) */
  readonly reason?: string;
  readonly message: string;
  readonly generation?: number;
  readonly observedGeneration?: number;
  /** the deciding condition's lastTransitionTime */
  readonly since?: string;
}

export interface FluxSourceInfo {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** status.artifact.revision: `main@sha1:<commit>` */
  readonly revision?: string;
  readonly status?: FluxStatus;
}

export interface FluxInfo {
  readonly kind: FluxKind;
  readonly name: string;
  readonly namespace: string;
  readonly status: FluxStatus;
  /** the revision last applied (HelmRelease: the deployed chart version of its newest history entry) */
  readonly applied?: string;
  /** the commit in `applied`, when it names one (40 hex, or a prefix for a HelmRelease's chart version) */
  readonly appliedCommit?: string;
  readonly attempted?: string;
  /** HelmRelease: `ns/name.v3` */
  readonly release?: string;
  readonly source?: FluxSourceInfo;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

function conditionsOf(obj: KubeObject | undefined): Condition[] {
  const list = obj?.status?.conditions;
  return Array.isArray(list) ? list.filter((c): c is Condition => c !== null && typeof c === 'object') : [];
}

function condition(obj: KubeObject | undefined, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Flux's readiness of any Flux object (Kustomization, HelmRelease, GitRepository). */
export function fluxStatus(obj: KubeObject): FluxStatus {
  const generation = num(obj.metadata?.generation);
  const observedGeneration = num(obj.status?.observedGeneration);
  const gens = { ...(generation !== undefined ? { generation } : {}), ...(observedGeneration !== undefined ? { observedGeneration } : {}) };
  const from = (state: FluxState, c: Condition, fallback: string): FluxStatus => ({
    state,
    ...(c.reason ? { reason: c.reason } : {}),
    message: c.message || fallback,
    ...gens,
    ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
  });
  const ready = condition(obj, 'Ready');
  if (obj.spec?.suspend === true) {
    return { state: 'suspended', reason: 'Suspended', message: `suspended${ready?.message ? `; last: ${ready.message}` : ''}`, ...gens };
  }
  // the controller saw the spec when status.observedGeneration (or the Ready condition's) reached it
  const observed = Math.max(observedGeneration ?? -1, num(ready?.observedGeneration) ?? -1);
  if (generation !== undefined && observed >= 0 && observed < generation) {
    return { state: 'reconciling', reason: 'Progressing', message: `the controller has not observed generation ${generation} yet (observed ${observed})`, ...gens };
  }
  const requested = obj.metadata?.annotations?.[REQUESTED_AT_ANNOTATION];
  if (requested && obj.status?.lastHandledReconcileAt !== requested) {
    return { state: 'reconciling', reason: 'ReconcileRequested', message: 'a reconcile was requested and has not been handled yet', ...gens };
  }
  const reconciling = condition(obj, 'Reconciling');
  // a failed attempt that Flux retries: Reconciling=True (ProgressingWithRetry) beside Ready=False says why
  if (reconciling?.status === 'True' && reconciling.reason === 'ProgressingWithRetry' && ready?.status === 'False') return from('failed', ready, 'not ready');
  if (reconciling?.status === 'True') return from('reconciling', reconciling, 'reconciliation in progress');
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return from('stalled', stalled, 'stalled');
  if (!ready) return { state: 'reconciling', reason: 'Progressing', message: 'waiting to be reconciled', ...gens };
  if (ready.status === 'True') return from('ready', ready, 'ready');
  if (ready.status === 'False') return from('failed', ready, 'not ready');
  return from('reconciling', ready, 'reconciliation in progress');
}

/** `main@sha1:abc…` (Flux v2), `main/abc…` (older), `abc…` → the commit; a chart version `0.1.0+abcdef123456` → its commit prefix. */
export function revisionCommit(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const m = /(?:@sha1:|@sha256:|^|\/)([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision);
  if (m) return m[1];
  const chart = /\+([0-9a-f]{7,40})$/.exec(revision);
  return chart?.[1];
}

/** Whether a Flux revision names this commit (a HelmRelease's chart version holds a 12-character prefix). */
export function revisionIsCommit(revision: string | undefined, commit: string): boolean {
  const c = revisionCommit(revision);
  return Boolean(c && commit && (commit.startsWith(c) || c.startsWith(commit)) && Math.min(c.length, commit.length) >= 7);
}

/** The source an object reads from: a Kustomization's spec.sourceRef, a HelmRelease's chart's sourceRef (or chartRef). */
export function sourceRefOf(obj: KubeObject): { kind: string; name: string; namespace: string } | undefined {
  const ref = obj.kind === 'HelmRelease' ? (obj.spec?.chart?.spec?.sourceRef ?? obj.spec?.chartRef) : obj.spec?.sourceRef;
  if (!ref || typeof ref.name !== 'string') return undefined;
  return { kind: String(ref.kind ?? 'GitRepository'), name: ref.name, namespace: String(ref.namespace ?? obj.metadata?.namespace ?? '') };
}

/** What the tree, the status bar and the CLI show for an environment's Flux object (and its source, when read). */
export function fluxInfo(obj: KubeObject, source?: KubeObject): FluxInfo {
  const kind = obj.kind === 'HelmRelease' ? 'HelmRelease' : 'Kustomization';
  const s = obj.status ?? {};
  let applied: string | undefined;
  let release: string | undefined;
  if (kind === 'HelmRelease') {
    const history: any[] = Array.isArray(s.history) ? s.history : [];
    const deployed = history.find((h) => h?.status === 'deployed') ?? undefined;
    if (deployed) {
      applied = typeof deployed.chartVersion === 'string' ? deployed.chartVersion : undefined;
      release = `${deployed.namespace ?? obj.metadata.namespace}/${deployed.name ?? obj.metadata.name}.v${deployed.version ?? '?'}`;
    } else if (!history.length && typeof s.lastAppliedRevision === 'string' && s.lastAppliedRevision) {
      // helm.toolkit.fluxcd.io/v2beta1 and v2beta2 (still served) keep no history: the chart version applied last
      applied = s.lastAppliedRevision;
    }
  } else if (typeof s.lastAppliedRevision === 'string' && s.lastAppliedRevision) {
    applied = s.lastAppliedRevision;
  }
  const ref = sourceRefOf(obj);
  const appliedCommit = revisionCommit(applied);
  return {
    kind,
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    status: fluxStatus(obj),
    ...(applied ? { applied } : {}),
    ...(appliedCommit ? { appliedCommit } : {}),
    ...(typeof s.lastAttemptedRevision === 'string' && s.lastAttemptedRevision ? { attempted: s.lastAttemptedRevision } : {}),
    ...(release ? { release } : {}),
    ...(ref
      ? {
          source: {
            ...ref,
            ...(source?.status?.artifact?.revision ? { revision: String(source.status.artifact.revision) } : {}),
            ...(source ? { status: fluxStatus(source) } : {}),
          },
        }
      : {}),
  };
}

/** `main@sha1:450796dd`, `0.1.0+450796ddb2ab`: a revision short enough for a status line. */
export function shortRevision(revision: string): string {
  return revision.replace(/(@sha1:|\/)([0-9a-f]{8})[0-9a-f]{32}$/, '$1$2');
}

/** `Ready`, `Reconciling`, `Stalled`, `Suspended`, `Not Ready`: how the tree names a state. */
export function fluxStateLabel(state: FluxState): string {
  return { ready: 'Ready', reconciling: 'Reconciling', stalled: 'Stalled', failed: 'Not Ready', suspended: 'Suspended' }[state];
}

/**
 * The tree's line for an environment's Flux object: `demo-app-dev · Ready · applied 0.1.0+450796ddb2ab`,
 * `apps-dev · Not Ready · HealthCheckFailed · applied main@sha1:450796dd · source at main@sha1:9f3c1e2a`.
 * The source's revision is named only when it is not the applied commit (a HelmRelease's chart version
 * holds a 12-character prefix of it); the reason only when it says more than the state.
 */
export function fluxRowText(info: FluxInfo): string {
  const st = info.status;
  const label = fluxStateLabel(st.state);
  const parts = [info.name, label];
  if (st.state !== 'ready' && st.reason && st.reason !== label) parts.push(st.reason);
  if (info.applied) parts.push(`applied ${shortRevision(info.applied)}`);
  const srcCommit = revisionCommit(info.source?.revision);
  if (info.source?.revision && !(srcCommit && revisionIsCommit(info.applied, srcCommit))) parts.push(`source at ${shortRevision(info.source.revision)}`);
  return parts.join(' · ');
}

/** `gitops-pilot rollout-status --object` for a Kustomization or HelmRelease: done when Ready, failed when it stopped. */
export function fluxVerdict(obj: KubeObject): { state: RolloutState; message: string } {
  const info = fluxInfo(obj);
  const where = `${info.kind} ${info.namespace ? `${info.namespace}/` : ''}${info.name}`;
  const st = info.status;
  switch (st.state) {
    case 'ready':
      return { state: 'done', message: `${where} is ready${info.applied ? ` at ${info.applied}` : ''}: ${st.message}` };
    case 'suspended':
      return { state: 'failed', message: `${where} is suspended: nothing new is applied until it is resumed (flux resume ${info.kind.toLowerCase()} ${info.name})` };
    case 'stalled':
    case 'failed':
      return { state: 'failed', message: `${where} ${st.state === 'stalled' ? 'stalled' : 'is not ready'}${st.reason ? ` (${st.reason})` : ''}: ${st.message}` };
    default:
      return { state: 'progressing', message: `${where} is reconciling${st.reason ? ` (${st.reason})` : ''}: ${st.message}` };
  }
}

/**
 * Whether a Flux object manages a workload: a Kustomization lists it in `status.inventory`
 * (`<namespace>_<name>_<group>_<kind>`); both controllers label what they apply
 * (`kustomize.toolkit.fluxcd.io/name|namespace`, `helm.toolkit.fluxcd.io/name|namespace`).
 */
export function managesWorkload(obj: KubeObject, workload: { kind: string; name: string; namespace: string; group: string; labels?: Record<string, string> }): boolean {
  const ns = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  if (obj.kind === 'Kustomization') {
    const id = `${workload.namespace}_${workload.name}_${workload.group}_${workload.kind}`;
    const entries: any[] = Array.isArray(obj.status?.inventory?.entries) ? obj.status.inventory.entries : [];
    if (entries.some((e) => e?.id === id)) return true;
  }
  const prefix = obj.kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io' : 'kustomize.toolkit.fluxcd.io';
  return workload.labels?.[`${prefix}/name`] === name && workload.labels?.[`${prefix}/namespace`] === ns;
}
