/** The resource types the simulator serves, with what discovery, the store and tables need to know. */
import { fieldValue } from './selectors';
import { apiVersionOf, type KubeObject } from './util';

export type Subresource = 'status' | 'scale';

export interface ResourceType {
  group: string;
  version: string;
  /** plural, lower case: the URL segment */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: Subresource[];
  /** a CustomResourceDefinition in a real cluster (no strategic merge patch, CRD wording of errors) */
  crd: boolean;
  /**
   * What bumps metadata.generation on update:
   *   spec              built-ins: any spec change
   *   spec+annotations  Deployments: spec or annotation changes (annotations are copied to ReplicaSets)
   *   non-metadata      custom resources: anything but metadata, and status too without a status subresource
   *   none              kinds without a generation (pods, events, namespaces, nodes)
   */
  generation: 'spec' | 'spec+annotations' | 'non-metadata' | 'none';
  /** field selectors accepted besides metadata.name and metadata.namespace */
  fieldSelectors: string[];
}

/** Every resource type supports all verbs. */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singular: 'namespace', namespaced: false,
    shortNames: ['ns'], categories: [], subresources: ['status'], crd: false, generation: 'none', fieldSelectors: ['status.phase'],
  },
  {
    group: '', version: 'v1', resource: 'nodes', kind: 'Node', singular: 'node', namespaced: false,
    shortNames: ['no'], categories: [], subresources: ['status'], crd: false, generation: 'none', fieldSelectors: ['spec.unschedulable'],
  },
  {
    group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', namespaced: true,
    shortNames: ['po'], categories: ['all'], subresources: ['status'], crd: false, generation: 'none',
    fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  },
  {
    group: '', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', namespaced: true,
    shortNames: ['ev'], categories: [], subresources: [], crd: false, generation: 'none',
    fieldSelectors: [
      'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
      'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type',
    ],
  },
  {
    group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', singular: 'deployment', namespaced: true,
    shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], crd: false, generation: 'spec+annotations', fieldSelectors: [],
  },
  {
    group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true,
    shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], crd: false, generation: 'spec', fieldSelectors: ['status.replicas'],
  },
  {
    group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', singular: 'statefulset', namespaced: true,
    shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], crd: false, generation: 'spec', fieldSelectors: [],
  },
  {
    group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', singular: 'daemonset', namespaced: true,
    shortNames: ['ds'], categories: ['all'], subresources: ['status'], crd: false, generation: 'spec', fieldSelectors: [],
  },
  {
    // Argo CD's Application CRD has no status subresource: the application controller writes status with updates
    group: 'argoproj.io', version: 'v1alpha1', resource: 'applications', kind: 'Application', singular: 'application', namespaced: true,
    shortNames: ['app', 'apps'], categories: [], subresources: [], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  {
    group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts', kind: 'Rollout', singular: 'rollout', namespaced: true,
    shortNames: ['ro'], categories: [], subresources: ['status', 'scale'], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  {
    group: 'argoproj.io', version: 'v1alpha1', resource: 'analysistemplates', kind: 'AnalysisTemplate', singular: 'analysistemplate', namespaced: true,
    shortNames: [], categories: [], subresources: [], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  {
    group: 'argoproj.io', version: 'v1alpha1', resource: 'analysisruns', kind: 'AnalysisRun', singular: 'analysisrun', namespaced: true,
    shortNames: ['ar'], categories: [], subresources: [], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  // Flux (fluxcd.io CRDs, each with a status subresource; short names and the `flux` category as in their CRDs)
  {
    group: 'source.toolkit.fluxcd.io', version: 'v1', resource: 'gitrepositories', kind: 'GitRepository', singular: 'gitrepository', namespaced: true,
    shortNames: ['gitrepo'], categories: ['flux'], subresources: ['status'], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  {
    group: 'kustomize.toolkit.fluxcd.io', version: 'v1', resource: 'kustomizations', kind: 'Kustomization', singular: 'kustomization', namespaced: true,
    shortNames: ['ks'], categories: ['flux'], subresources: ['status'], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
  {
    group: 'helm.toolkit.fluxcd.io', version: 'v2', resource: 'helmreleases', kind: 'HelmRelease', singular: 'helmrelease', namespaced: true,
    shortNames: ['hr'], categories: ['flux'], subresources: ['status'], crd: true, generation: 'non-metadata', fieldSelectors: [],
  },
];

export function apiVersionOfType(rt: ResourceType): string {
  return apiVersionOf(rt.group, rt.version);
}

/**
 * Finds a resource type by plural, singular, short name, kind, `resource.group` or `Kind.group`
 * (case-insensitive), e.g. `deployments`, `deploy`, `Deployment`, `deployments.apps`, `rollouts.argoproj.io`.
 */
export function findResourceType(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return RESOURCE_TYPES.find(
    (rt) =>
      (group === undefined || rt.group === group) &&
      (rt.resource === base || rt.singular === base || rt.kind.toLowerCase() === base || rt.shortNames.includes(base)),
  );
}

export function resourceTypeFor(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((rt) => apiVersionOfType(rt) === apiVersion && rt.kind === kind);
}

export function resourceTypeByPath(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((rt) => rt.group === group && rt.version === version && rt.resource === resource);
}

/** The value a field selector compares against (events' `source` is the source component). */
export function selectableField(rt: ResourceType, obj: KubeObject, field: string): string {
  if (rt.resource === 'events' && field === 'source') return fieldValue(obj, 'source.component');
  if (rt.resource === 'pods' && field === 'spec.hostNetwork') return fieldValue(obj, field) || 'false';
  return fieldValue(obj, field);
}
