/**
 * Which Flux object brings an environment's workload to the cluster, for Select Kubernetes Context…: of the
 * Kustomizations and HelmReleases the cluster lists, those whose inventory (or the labels Flux's
 * controllers put on what they apply) holds the workload. The one already in use comes first, then the
 * one gitops-pilot.yaml names, then by namespace and name; the first is the suggestion.
 */
import type { WorkloadKind } from '../config/model';
import { fluxInfo, fluxStateLabel, managesWorkload, shortRevision, type FluxKind, type FluxRef } from './flux';
import { RESOURCES, WORKLOAD_RESOURCES, type KubeObject } from './resources';

/** The workload as Flux's inventory names it (`<namespace>_<name>_<group>_<Kind>`), with its labels. */
export interface WorkloadIdentity {
  /** the Kubernetes kind: Deployment, StatefulSet, DaemonSet, Rollout */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** the API group: apps, argoproj.io */
  readonly group: string;
  readonly labels?: Record<string, string>;
}

export interface FluxCandidate {
  readonly ref: FluxRef;
  /** `HelmRelease flux-system/demo-app-dev` */
  readonly label: string;
  /** `Ready · applied 0.1.0+450796ddb2ab`, `Suspended`, `Not Ready: HealthCheckFailed` */
  readonly description: string;
  /** in use in this workspace (the mapping) or named by gitops-pilot.yaml */
  readonly inUse: boolean;
}

/** The identity of `deployment/web` in `namespace`, with the labels of the object when it was read. */
export function workloadIdentity(workload: { kind: WorkloadKind; name: string }, namespace: string, object?: KubeObject): WorkloadIdentity {
  const t = RESOURCES[WORKLOAD_RESOURCES[workload.kind]];
  const labels = object?.metadata?.labels;
  return { kind: t.kind, group: t.group, name: workload.name, namespace, ...(labels ? { labels } : {}) };
}

const same = (a: FluxRef | undefined, b: FluxRef): boolean => a !== undefined && a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;

/**
 * The Kustomizations / HelmReleases among `objects` that manage the workload, best first. `current` is the
 * workspace's pick, `configured` gitops-pilot.yaml's `flux:`; objects of other kinds are ignored.
 */
export function fluxCandidates(objects: readonly KubeObject[], workload: WorkloadIdentity, opts: { current?: FluxRef; configured?: FluxRef } = {}): FluxCandidate[] {
  const found: FluxCandidate[] = [];
  for (const obj of objects) {
    if (obj.kind !== 'Kustomization' && obj.kind !== 'HelmRelease') continue;
    if (!managesWorkload(obj, workload)) continue;
    const ref: FluxRef = { kind: obj.kind as FluxKind, name: obj.metadata.name ?? '', namespace: obj.metadata.namespace ?? '' };
    if (!ref.name || !ref.namespace || found.some((c) => same(c.ref, ref))) continue;
    const info = fluxInfo(obj);
    const state = fluxStateLabel(info.status.state);
    const detail = info.status.state === 'ready' ? (info.applied ? `applied ${shortRevision(info.applied)}` : '') : (info.status.reason ?? '');
    found.push({ ref, label: `${ref.kind} ${ref.namespace}/${ref.name}`, description: detail ? `${state} · ${detail}` : state, inUse: same(opts.current, ref) || same(opts.configured, ref) });
  }
  const rank = (c: FluxCandidate) => (same(opts.current, c.ref) ? 0 : same(opts.configured, c.ref) ? 1 : 2);
  return found.sort((a, b) => rank(a) - rank(b) || a.ref.namespace.localeCompare(b.ref.namespace) || a.ref.name.localeCompare(b.ref.name) || a.ref.kind.localeCompare(b.ref.kind));
}
