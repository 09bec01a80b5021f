/**
 * What an environment's cluster shows, computed from raw objects (no I/O, unit-tested): the rollout
 * verdict (kubectl's rules), the running image against the one declared in git (drift), ReplicaSets by
 * revision, pods with the reason that matters, events of the workload, its ReplicaSets and pods
 * (warnings first), the Argo CD Application, and a pod of the new revision that cannot start.
 */
import type { WorkloadKind } from '../config/model';
import type { PilotError } from '../errors';
import type { ImageRef } from '../gitops/message';
import { tryParseImageReference } from '../images/reference';
import { rolloutStatus, type RolloutVerdict } from './rolloutStatus';
import { formatLabelSelector, type KubeObject } from './resources';
import { fluxStateLabel, type FluxInfo } from './flux';
import { computeDrift, containerImages, imageLabel, podStatus, relevantImages } from './podState';

export * from './podState';

export interface ContainerImage {
  readonly container: string;
  readonly image: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface WorkloadInfo {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly generation: number;
  readonly images: readonly ContainerImage[];
  readonly verdict: RolloutVerdict;
  /** the revision rolling out / running (Deployment and Rollout revision annotation, StatefulSet updateRevision) */
  readonly revision?: string;
  readonly paused: boolean;
  /** label selector of its pods (`app=web`) */
  readonly selector: string;
  /** when its last update completed, from its own conditions (Deployment Progressing/NewReplicaSetAvailable, Rollout Completed) */
  readonly completedAt?: string;
  /** Argo Rollouts: the pod template hash of the current revision */
  readonly podHash?: string;
}

export interface ReplicaSetInfo {
  readonly name: string;
  readonly revision: number;
  readonly images: readonly string[];
  readonly desired: number;
  readonly replicas: number;
  readonly ready: number;
  readonly available: number;
  /** the ReplicaSet of the workload's current template */
  readonly current: boolean;
  readonly createdAt?: string;
}

export interface PodInfo {
  readonly name: string;
  /** kubectl's STATUS column: Running, Pending, ContainerCreating, ImagePullBackOff, CrashLoopBackOff, Terminating, ... */
  readonly status: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** the reason that matters, when something is wrong: ImagePullBackOff, ErrImagePull, CrashLoopBackOff, OOMKilled, Unschedulable, NotReady, ... */
  readonly reason?: string;
  readonly message?: string;
  readonly images: readonly string[];
  /** on the workload's current template */
  readonly current: boolean;
  readonly node?: string;
  readonly createdAt?: string;
}

export interface EventInfo {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  /** `Pod/web-5d4f…` */
  readonly object: string;
  readonly count: number;
  /** ISO time of the last occurrence */
  readonly last?: string;
}

export interface ArgoAppInfo {
  readonly name: string;
  readonly namespace: string;
  readonly sync?: string;
  readonly health?: string;
  readonly healthMessage?: string;
  /** the git revision it is synced to */
  readonly revision?: string;
  readonly operation?: { readonly phase: string; readonly message?: string; readonly startedAt?: string; readonly finishedAt?: string; readonly revision?: string };
}

export interface Drift {
  /** the tag (or digest) declared in git */
  readonly declared: string;
  /** the tags (or digests) the workload runs */
  readonly running: readonly string[];
  readonly drifted: boolean;
}

/** A pod of the current revision that cannot start: the rollout will not finish by itself. */
export interface Stuck {
  readonly reason: string;
  readonly pod: string;
  readonly message: string;
}

export type LiveHealth = 'connecting' | 'progressing' | 'healthy' | 'degraded' | 'drift' | 'error';

export interface LiveState {
  readonly health: LiveHealth;
  /** a short line for the tree: `demo-app 1.0.5 · Synced · Healthy` */
  readonly summary: string;
  /** why it cannot show the cluster (context missing, unreachable, forbidden, namespace or workload missing) */
  readonly error?: PilotError;
  /** connected once, reconnecting now: what is shown may be out of date */
  readonly stale: boolean;
  /** a problem that does not hide the state: the connection is being retried, pods or events cannot be read */
  readonly warning?: PilotError;
  readonly context?: string;
  readonly namespace?: string;
  readonly workload?: WorkloadInfo;
  readonly replicaSets: readonly ReplicaSetInfo[];
  readonly pods: readonly PodInfo[];
  readonly events: readonly EventInfo[];
  readonly argo?: ArgoAppInfo;
  readonly argoError?: PilotError;
  /** the environment's Flux Kustomization / HelmRelease and its source */
  readonly flux?: FluxInfo;
  readonly fluxError?: PilotError;
  readonly drift?: Drift;
  readonly stuck?: Stuck;
  /** whether pods, ReplicaSets and events were watched for this state */
  readonly detailed: boolean;
}

export interface LiveInputs {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly workload?: KubeObject;
  readonly replicaSets?: readonly KubeObject[];
  readonly pods?: readonly KubeObject[];
  readonly events?: readonly KubeObject[];
  readonly app?: KubeObject;
  readonly declared?: ImageRef;
  readonly detailed: boolean;
}

/** Waiting reasons after which a pod will not become ready without a change (kubectl would wait until the deadline). */
export const STUCK_REASONS: readonly string[] = ['ImagePullBackOff', 'CrashLoopBackOff', 'OOMKilled', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'];

/** Reasons a pod row shows as a problem: the stuck ones, and those that may yet pass (a pull retried, no node yet, evicted). */
export const POD_PROBLEM_REASONS: readonly string[] = [...STUCK_REASONS, 'ErrImagePull', 'Unschedulable', 'Evicted'];

const REVISION_ANNOTATIONS = ['deployment.kubernetes.io/revision', 'rollout.argoproj.io/revision'];
const HASH_LABELS = ['pod-template-hash', 'rollouts-pod-template-hash', 'controller-revision-hash'];

// ── the workload ──────────────────────────────────────────────────────────────────────────────────

function templateHashOf(o: KubeObject): string | undefined {
  for (const l of HASH_LABELS) {
    const v = o.metadata.labels?.[l];
    if (v) return v;
  }
  return undefined;
}

function revisionOf(o: KubeObject): number {
  for (const a of REVISION_ANNOTATIONS) {
    const v = Number(o.metadata.annotations?.[a]);
    if (Number.isFinite(v) && v > 0) return v;
  }
  return 0;
}

function ownedBy(o: KubeObject, owner: KubeObject | undefined, kind: string): boolean {
  const refs = o.metadata.ownerReferences ?? [];
  if (!refs.length) return true; // label-selected, no owner recorded: keep it
  return refs.some((r) => r.kind === kind && (owner?.metadata.uid ? r.uid === owner.metadata.uid : r.name === owner?.metadata.name));
}

function sameImages(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function workloadInfo(kind: WorkloadKind, name: string, w: KubeObject): WorkloadInfo {
  let verdict: RolloutVerdict;
  try {
    verdict = rolloutStatus(w);
  } catch (err) {
    verdict = { state: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
  const rev = kind === 'statefulset' ? (w.status?.updateRevision as string | undefined) : revisionOf(w) ? String(revisionOf(w)) : undefined;
  const selector = w.spec?.selector;
  return {
    kind,
    name,
    generation: Number(w.metadata.generation ?? 0),
    images: containerImages(w.spec?.template),
    verdict,
    ...(rev ? { revision: rev } : {}),
    paused: w.spec?.paused === true || (Array.isArray(w.status?.pauseConditions) && w.status.pauseConditions.length > 0),
    selector: formatLabelSelector(selector),
    ...completion(kind, w),
  };
}

/** The cluster's own record of when the current revision finished rolling out (none while it rolls). */
function completion(kind: WorkloadKind, w: KubeObject): { completedAt?: string; podHash?: string } {
  const conditions: Array<{ type?: string; status?: string; reason?: string; lastUpdateTime?: string; lastTransitionTime?: string }> = Array.isArray(w.status?.conditions) ? w.status.conditions : [];
  const find = (type: string) => conditions.find((c) => c.type === type);
  if (kind === 'deployment') {
    const c = find('Progressing');
    return c?.status === 'True' && c.reason === 'NewReplicaSetAvailable' && (c.lastUpdateTime || c.lastTransitionTime) ? { completedAt: c.lastUpdateTime ?? c.lastTransitionTime } : {};
  }
  if (kind === 'rollout') {
    const c = find('Completed');
    const hash = w.status?.currentPodHash ? { podHash: String(w.status.currentPodHash) } : {};
    return c?.status === 'True' && c.lastTransitionTime ? { completedAt: c.lastTransitionTime, ...hash } : hash;
  }
  return {};
}

/** The template hash of the workload's current revision, when the kind records one. */
function currentHash(kind: WorkloadKind, w: KubeObject, replicaSets: readonly ReplicaSetInfo[], rsObjects: readonly KubeObject[]): string | undefined {
  if (kind === 'rollout') return w.status?.currentPodHash;
  // StatefulSet pods carry the full revision name (`web-6d4f5b6b8c`) in controller-revision-hash
  if (kind === 'statefulset') return w.status?.updateRevision;
  if (kind === 'deployment') {
    const cur = replicaSets.find((r) => r.current);
    const obj = cur ? rsObjects.find((o) => o.metadata.name === cur.name) : undefined;
    return obj ? templateHashOf(obj) : undefined;
  }
  return undefined;
}

function eventTime(e: KubeObject): string | undefined {
  return e.lastTimestamp || e.eventTime || e.series?.lastObservedTime || e.firstTimestamp || e.metadata.creationTimestamp || undefined;
}

/** Everything the tree and the status bar show for one environment. */
export function computeLiveState(input: LiveInputs): Omit<LiveState, 'health' | 'summary' | 'stale' | 'error' | 'warning' | 'argoError' | 'context' | 'namespace'> {
  const w = input.workload;
  const workload = w ? workloadInfo(input.kind, input.name, w) : undefined;
  const templateImages = workload ? workload.images.map((i) => i.image) : [];

  // ReplicaSets owned by the workload, newest revision first
  const rsKind = input.kind === 'rollout' ? 'Rollout' : 'Deployment';
  const rsObjects = w && (input.kind === 'deployment' || input.kind === 'rollout') ? (input.replicaSets ?? []).filter((o) => ownedBy(o, w, rsKind)) : [];
  let replicaSets: ReplicaSetInfo[] = rsObjects
    .map((o) => {
      const images = containerImages(o.spec?.template).map((i) => i.image);
      return {
        name: o.metadata.name ?? '',
        revision: revisionOf(o),
        images,
        desired: Number(o.spec?.replicas ?? 0),
        replicas: Number(o.status?.replicas ?? 0),
        ready: Number(o.status?.readyReplicas ?? 0),
        available: Number(o.status?.availableReplicas ?? 0),
        current: false,
        ...(o.metadata.creationTimestamp ? { createdAt: o.metadata.creationTimestamp } : {}),
      };
    })
    .sort((a, b) => b.revision - a.revision || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  if (w) {
    const hash = input.kind === 'rollout' ? w.status?.currentPodHash : undefined;
    let cur = hash ? replicaSets.find((r) => templateHashOf(rsObjects.find((o) => o.metadata.name === r.name)!) === hash) : undefined;
    cur ??= replicaSets.find((r) => sameImages(r.images, templateImages));
    replicaSets = replicaSets.map((r) => (r === cur ? { ...r, current: true } : r));
  }

  // pods: the workload's (by owner), current revision and problems first
  const ownerNames = new Set(rsObjects.map((o) => o.metadata.name));
  const podOwnerOk = (p: KubeObject) => {
    const refs = p.metadata.ownerReferences ?? [];
    if (!refs.length || !w) return true;
    if (input.kind === 'deployment' || input.kind === 'rollout') return refs.some((r) => r.kind === 'ReplicaSet' && ownerNames.has(r.name ?? '')) || !rsObjects.length;
    return refs.some((r) => r.name === w.metadata.name);
  };
  const hash = w ? currentHash(input.kind, w, replicaSets, rsObjects) : undefined;
  const pods: PodInfo[] = (input.pods ?? [])
    .filter(podOwnerOk)
    .map((p) => {
      const s = podStatus(p);
      const images = containerImages(p).map((i) => i.image);
      const podHash = templateHashOf(p);
      const current = hash && podHash ? podHash === hash : sameImages(images, templateImages);
      return {
        name: p.metadata.name ?? '',
        status: s.status,
        phase: String(p.status?.phase ?? 'Unknown'),
        ready: s.ready,
        restarts: s.restarts,
        ...(s.reason ? { reason: s.reason } : {}),
        ...(s.message ? { message: s.message } : {}),
        images,
        current: Boolean(current),
        ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
        ...(p.metadata.creationTimestamp ? { createdAt: p.metadata.creationTimestamp } : {}),
      };
    })
    .sort((a, b) => Number(b.current) - Number(a.current) || Number(Boolean(b.reason)) - Number(Boolean(a.reason)) || a.name.localeCompare(b.name));

  // events of the workload, its ReplicaSets and its pods: warnings first, newest first
  const involved = new Set<string>();
  if (w) involved.add(`${w.kind ?? ''}/${w.metadata.name}`);
  for (const o of rsObjects) involved.add(`ReplicaSet/${o.metadata.name}`);
  for (const p of input.pods ?? []) if (podOwnerOk(p)) involved.add(`Pod/${p.metadata.name}`);
  const events: EventInfo[] = (input.events ?? [])
    .filter((e) => involved.has(`${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`))
    .map((e) => {
      const last = eventTime(e);
      return {
        type: String(e.type ?? 'Normal'),
        reason: String(e.reason ?? ''),
        message: String(e.message ?? '').trim(),
        object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
        count: Number(e.count ?? e.series?.count ?? 1),
        ...(last ? { last } : {}),
      };
    })
    .sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || (b.last ?? '').localeCompare(a.last ?? ''))
    .slice(0, 30);

  // a pod of the new revision that cannot start (only while the rollout is not done)
  let stuck: Stuck | undefined;
  if (workload && workload.verdict.state === 'progressing') {
    const p = pods.find((x) => x.current && x.reason && STUCK_REASONS.includes(x.reason));
    if (p) stuck = { reason: p.reason!, pod: p.name, message: p.message ?? p.status };
  }

  const a = input.app;
  const op = a?.status?.operationState;
  const argo: ArgoAppInfo | undefined = a
    ? {
        name: a.metadata.name ?? '',
        namespace: a.metadata.namespace ?? '',
        ...(a.status?.sync?.status ? { sync: String(a.status.sync.status) } : {}),
        ...(a.status?.health?.status ? { health: String(a.status.health.status) } : {}),
        ...(a.status?.health?.message ? { healthMessage: String(a.status.health.message) } : {}),
        ...(a.status?.sync?.revision ? { revision: String(a.status.sync.revision) } : {}),
        ...(op
          ? {
              operation: {
                phase: String(op.phase ?? ''),
                ...(op.message ? { message: String(op.message) } : {}),
                ...(op.startedAt ? { startedAt: String(op.startedAt) } : {}),
                ...(op.finishedAt ? { finishedAt: String(op.finishedAt) } : {}),
                ...(op.syncResult?.revision || op.operation?.sync?.revision ? { revision: String(op.syncResult?.revision ?? op.operation?.sync?.revision) } : {}),
              },
            }
          : {}),
      }
    : undefined;

  const drift = workload ? computeDrift(workload.images, input.declared) : undefined;
  return {
    ...(workload ? { workload } : {}),
    replicaSets,
    pods,
    events,
    ...(argo ? { argo } : {}),
    ...(drift ? { drift } : {}),
    ...(stuck ? { stuck } : {}),
    detailed: input.detailed,
  };
}

/** The state's health: what the icon shows. */
export function healthOf(s: Pick<LiveState, 'error' | 'workload' | 'stuck' | 'drift' | 'argo' | 'flux'>): LiveHealth {
  if (s.error) return 'error';
  const w = s.workload;
  if (!w) return 'connecting';
  if (w.verdict.state === 'failed' || s.stuck || s.argo?.health === 'Degraded' || s.argo?.health === 'Missing' || s.flux?.status.state === 'failed' || s.flux?.status.state === 'stalled') return 'degraded';
  if (w.verdict.state === 'progressing') return 'progressing';
  if (s.drift?.drifted || s.argo?.sync === 'OutOfSync') return 'drift';
  return 'healthy';
}

/** `demo-app 1.0.5 · Synced · Healthy`, `demo-app 1.0.5 · Progressing 2/3`, `demo-app 1.0.4 · OutOfSync · drift (git: 1.0.5)` */
export function summaryOf(s: Pick<LiveState, 'error' | 'workload' | 'stuck' | 'drift' | 'argo' | 'flux' | 'health'>, declared?: ImageRef): string {
  if (s.error) return s.error.message;
  const w = s.workload;
  if (!w) return 'connecting…';
  const imgs = relevantImages(w.images, declared?.repository);
  const first = imgs[0];
  const repo = first ? (tryParseImageReference(first.image)?.repository ?? first.image) : w.name;
  const name = repo.slice(repo.lastIndexOf('/') + 1);
  const parts = [`${name}${first ? ` ${imageLabel(first)}` : ''}`];
  if (s.argo?.sync) parts.push(s.argo.sync);
  if (s.flux) parts.push(`Flux ${fluxStateLabel(s.flux.status.state)}`);
  switch (s.health) {
    case 'degraded':
      parts.push(s.stuck ? s.stuck.reason : w.verdict.state === 'failed' ? failedReason(w.verdict) : s.flux && !s.argo ? (s.flux.status.reason ?? 'Degraded') : `${s.argo?.health ?? 'Degraded'}`);
      break;
    case 'progressing':
      parts.push(w.paused ? `Paused${w.verdict.canary ? ` ${w.verdict.canary.weight ?? 0}%` : ''}` : `Progressing ${w.verdict.ready ?? 0}/${w.verdict.desired ?? 0}`);
      break;
    case 'drift':
      parts.push(s.drift?.drifted ? `drift (git: ${s.drift.declared})` : (s.argo?.health ?? 'Healthy'));
      break;
    default:
      parts.push(s.argo?.health ?? 'Healthy');
  }
  return parts.join(' · ');
}

/** A short reason for a failed verdict: `ProgressDeadlineExceeded`, `RolloutAborted`, or kubectl's message. */
export function failedReason(v: RolloutVerdict): string {
  if (/exceeded its progress deadline/.test(v.message)) return 'ProgressDeadlineExceeded';
  const m = /^Degraded - (\w+):/.exec(v.message);
  if (m) return m[1]!;
  return v.message.replace(/^Degraded - /, '');
}
