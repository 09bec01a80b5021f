/** The Kubernetes resources GitOps Pilot reads and writes, and their API paths. */
import type { WorkloadKind } from '../config/model';

export type ResourceName = 'namespaces' | 'pods' | 'events' | 'replicasets' | 'deployments' | 'statefulsets' | 'daemonsets' | 'rollouts' | 'applications' | 'analysisruns' | 'kustomizations' | 'helmreleases' | 'gitrepositories';

export interface ResourceType {
  readonly name: ResourceName;
  /** '' for the core group */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export const RESOURCES: Readonly<Record<ResourceName, ResourceType>> = {
  namespaces: { name: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false },
  pods: { name: 'pods', group: '', version: 'v1', kind: 'Pod', namespaced: true },
  events: { name: 'events', group: '', version: 'v1', kind: 'Event', namespaced: true },
  replicasets: { name: 'replicasets', group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true },
  deployments: { name: 'deployments', group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true },
  statefulsets: { name: 'statefulsets', group: 'apps', version: 'v1', kind: 'StatefulSet', namespaced: true },
  daemonsets: { name: 'daemonsets', group: 'apps', version: 'v1', kind: 'DaemonSet', namespaced: true },
  rollouts: { name: 'rollouts', group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', namespaced: true },
  applications: { name: 'applications', group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', namespaced: true },
  analysisruns: { name: 'analysisruns', group: 'argoproj.io', version: 'v1alpha1', kind: 'AnalysisRun', namespaced: true },
  kustomizations: { name: 'kustomizations', group: 'kustomize.toolkit.fluxcd.io', version: 'v1', kind: 'Kustomization', namespaced: true },
  helmreleases: { name: 'helmreleases', group: 'helm.toolkit.fluxcd.io', version: 'v2', kind: 'HelmRelease', namespaced: true },
  gitrepositories: { name: 'gitrepositories', group: 'source.toolkit.fluxcd.io', version: 'v1', kind: 'GitRepository', namespaced: true },
};

/** The resource of a Flux kind. */
export const FLUX_RESOURCES = { Kustomization: 'kustomizations', HelmRelease: 'helmreleases' } as const;

export const WORKLOAD_RESOURCES: Readonly<Record<WorkloadKind, ResourceName>> = {
  deployment: 'deployments',
  statefulset: 'statefulsets',
  daemonset: 'daemonsets',
  rollout: 'rollouts',
};

/** `/apis/apps/v1/namespaces/dev/deployments/web/status`, `/api/v1/namespaces/dev` */
export function resourcePath(r: ResourceType | ResourceName, namespace?: string, name?: string, subresource?: string): string {
  const t = typeof r === 'string' ? RESOURCES[r] : r;
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${t.name}${name ? `/${encodeURIComponent(name)}` : ''}${name && subresource ? `/${subresource}` : ''}`;
}

/** `deployments.apps`, `pods`: how kubectl and the API server name a resource in messages. */
export function qualified(r: ResourceType | ResourceName): string {
  const t = typeof r === 'string' ? RESOURCES[r] : r;
  return t.group ? `${t.name}.${t.group}` : t.name;
}

/** A Kubernetes object as the API returns it (raw JSON: timestamps are strings). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind?: string; name?: string; uid?: string; controller?: boolean }>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec?: any;
  status?: any;
  [other: string]: any;
}

/** `app=web,tier=front` from a label selector (matchLabels and matchExpressions). */
export function formatLabelSelector(selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.join(',');
}
