/**
 * Building blocks for tests: manifests of the workloads the product watches, and helpers that put a
 * namespace + Deployment already rolled out into the simulator (instantly, in the exact state the
 * controllers would have reached), or create objects and wait for the controllers to finish them.
 */
import { applyDefaults } from './defaults';
import type { ApplicationResource, HealthStatus, SyncStatus } from './controllers/application';
import { findResourceType } from './resources';
import { BEHAVIOR_ANNOTATION, type PodBehavior } from './runtime';
import type { Store } from './store';
import { clone, computeTemplateHash, rfc3339, type KubeObject } from './util';

/** The parts of a simulator the fixtures need (a KubeSim satisfies it). */
export interface FixtureTarget {
  readonly store: Store;
  waitFor<T>(check: () => T | undefined | null | false, opts?: { timeoutMs?: number; description?: string }): Promise<T>;
}

export interface WorkloadOptions {
  name: string;
  namespace?: string;
  replicas?: number;
  /** default `registry.example.com/<name>:1.0.0` */
  image?: string;
  /** container name (default: the workload name) */
  container?: string;
  /** pod labels, also the selector (default `{ app: <name> }`) */
  labels?: Record<string, string>;
  /** scripted pod behaviour for every pod of this template (an annotation on the pod template) */
  behavior?: PodBehavior;
  podAnnotations?: Record<string, string>;
  minReadySeconds?: number;
}

function podTemplate(o: WorkloadOptions): KubeObject['spec'] {
  const annotations = { ...(o.podAnnotations ?? {}) };
  if (o.behavior) annotations[BEHAVIOR_ANNOTATION] = o.behavior;
  const metadata: Record<string, unknown> = { labels: o.labels ?? { app: o.name } };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return {
    metadata,
    spec: {
      containers: [{ name: o.container ?? o.name, image: o.image ?? `registry.example.com/${o.name}:1.0.0`, ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
    },
  };
}

export interface DeploymentOptions extends WorkloadOptions {
  progressDeadlineSeconds?: number;
  strategy?: { type: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
}

export function deploymentManifest(o: DeploymentOptions): KubeObject {
  const spec: Record<string, unknown> = {
    replicas: o.replicas ?? 3,
    selector: { matchLabels: o.labels ?? { app: o.name } },
    template: podTemplate(o),
  };
  if (o.progressDeadlineSeconds !== undefined) spec.progressDeadlineSeconds = o.progressDeadlineSeconds;
  if (o.minReadySeconds !== undefined) spec.minReadySeconds = o.minReadySeconds;
  if (o.strategy) spec.strategy = o.strategy;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: o.name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: o.name } }, spec };
}

export interface StatefulSetOptions extends WorkloadOptions {
  partition?: number;
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
}

export function statefulSetManifest(o: StatefulSetOptions): KubeObject {
  const spec: Record<string, unknown> = {
    replicas: o.replicas ?? 3,
    serviceName: o.name,
    selector: { matchLabels: o.labels ?? { app: o.name } },
    template: podTemplate(o),
  };
  if (o.podManagementPolicy) spec.podManagementPolicy = o.podManagementPolicy;
  if (o.updateStrategy === 'OnDelete') spec.updateStrategy = { type: 'OnDelete' };
  else if (o.partition !== undefined) spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: o.partition } };
  if (o.minReadySeconds !== undefined) spec.minReadySeconds = o.minReadySeconds;
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: o.name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: o.name } }, spec };
}

export interface DaemonSetOptions extends WorkloadOptions {
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  maxUnavailable?: number | string;
}

export function daemonSetManifest(o: DaemonSetOptions): KubeObject {
  const spec: Record<string, unknown> = { selector: { matchLabels: o.labels ?? { app: o.name } }, template: podTemplate(o) };
  if (o.updateStrategy === 'OnDelete') spec.updateStrategy = { type: 'OnDelete' };
  else if (o.maxUnavailable !== undefined) spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: o.maxUnavailable } };
  if (o.minReadySeconds !== undefined) spec.minReadySeconds = o.minReadySeconds;
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: o.name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: o.name } }, spec };
}

export interface RolloutOptions extends WorkloadOptions {
  /** canary steps, e.g. `[{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '10s' } }]` */
  steps?: Array<Record<string, unknown>>;
  /** adds a traffic router, so status.canary.weights is reported and stable stays fully scaled */
  trafficRouting?: boolean;
  progressDeadlineSeconds?: number;
}

export function rolloutManifest(o: RolloutOptions): KubeObject {
  const canary: Record<string, unknown> = { steps: o.steps ?? [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '10s' } }] };
  if (o.trafficRouting) {
    canary.canaryService = `${o.name}-canary`;
    canary.stableService = `${o.name}-stable`;
    canary.trafficRouting = { nginx: { stableIngress: o.name } };
  }
  const spec: Record<string, unknown> = {
    replicas: o.replicas ?? 5,
    selector: { matchLabels: o.labels ?? { app: o.name } },
    template: podTemplate(o),
    strategy: { canary },
  };
  if (o.progressDeadlineSeconds !== undefined) spec.progressDeadlineSeconds = o.progressDeadlineSeconds;
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: o.name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: o.name } }, spec };
}

export interface ApplicationOptions {
  name: string;
  /** where the Application object lives (default `argocd`) */
  namespace?: string;
  project?: string;
  repoURL?: string;
  path?: string;
  targetRevision?: string;
  /** where it deploys */
  destinationNamespace: string;
  /** workloads it manages: health follows them */
  resources?: ApplicationResource[];
  sync?: { status: SyncStatus; revision?: string };
  health?: HealthStatus;
}

export function applicationManifest(o: ApplicationOptions): KubeObject {
  const source = { repoURL: o.repoURL ?? 'https://git.example.com/demo-app-gitops.git', path: o.path ?? `envs/${o.destinationNamespace}`, targetRevision: o.targetRevision ?? 'main' };
  const destination = { server: 'https://kubernetes.default.svc', namespace: o.destinationNamespace };
  const status: Record<string, unknown> = {
    sync: { status: o.sync?.status ?? 'Synced', revision: o.sync?.revision ?? '0000000000000000000000000000000000000000', comparedTo: { source, destination } },
    health: { status: o.health ?? 'Healthy' },
    reconciledAt: rfc3339(),
    sourceType: 'Helm',
  };
  if (o.resources) status.resources = o.resources.map((r) => ({ status: 'Synced', ...r }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: o.name, namespace: o.namespace ?? 'argocd' },
    spec: { project: o.project ?? 'default', source, destination, syncPolicy: { automated: { prune: true, selfHeal: true } } },
    status,
  };
}

export function ensureNamespace(sim: FixtureTarget, name: string): KubeObject {
  return sim.store.tryGet('namespaces', undefined, name) ?? sim.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Creates an Argo CD Application (and its namespace). */
export function createApplication(sim: FixtureTarget, o: ApplicationOptions): KubeObject {
  ensureNamespace(sim, o.namespace ?? 'argocd');
  return sim.store.create('applications', applicationManifest(o));
}

export interface RolledOutDeployment {
  deployment: KubeObject;
  replicaSet: KubeObject;
  pods: KubeObject[];
}

/**
 * Puts a namespace and a Deployment with `replicas` ready pods into the store, in the state the
 * controllers reach after a finished rollout (revision 1, one ReplicaSet, Running/Ready pods on the
 * simulated nodes). Instant, and consistent: running controllers find nothing to do.
 */
export function createRolledOutDeployment(sim: FixtureTarget, o: DeploymentOptions): RolledOutDeployment {
  const namespace = o.namespace ?? 'default';
  ensureNamespace(sim, namespace);
  const manifest = deploymentManifest({ ...o, namespace });
  const rtDeploy = findResourceType('deployments')!;
  const defaulted = clone(manifest);
  applyDefaults(rtDeploy, defaulted);
  const replicas: number = defaulted.spec.replicas;
  const hash = computeTemplateHash(defaulted.spec.template);
  const rsName = `${o.name}-${hash}`;
  const now = rfc3339();
  const surge = typeof defaulted.spec.strategy?.rollingUpdate?.maxSurge === 'number' ? defaulted.spec.strategy.rollingUpdate.maxSurge : Math.ceil((replicas * parseInt(String(defaulted.spec.strategy?.rollingUpdate?.maxSurge ?? '25%'), 10)) / 100);
  const counts = replicas > 0 ? { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } : {};
  const deployment = sim.store.put({
    ...defaulted,
    metadata: { ...defaulted.metadata, namespace, generation: 1, annotations: { ...(defaulted.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': '1' } },
    status: {
      observedGeneration: 1,
      ...counts,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` },
      ],
    },
  });
  const template = clone(defaulted.spec.template);
  template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': hash };
  const rsStatus: Record<string, unknown> = { replicas, observedGeneration: 1 };
  if (replicas > 0) Object.assign(rsStatus, { fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });
  const replicaSet = sim.store.put({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: rsName,
      namespace,
      generation: 1,
      labels: { ...template.metadata.labels },
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + (defaulted.spec.strategy?.type === 'Recreate' ? 0 : surge)),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: o.name, uid: deployment.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, minReadySeconds: defaulted.spec.minReadySeconds ?? 0, selector: { matchLabels: { ...defaulted.spec.selector.matchLabels, 'pod-template-hash': hash } }, template },
    status: rsStatus,
  });
  const nodes = sim.store.select('nodes');
  const pods: KubeObject[] = [];
  for (let i = 0; i < replicas; i++) {
    const node = nodes[i % Math.max(1, nodes.length)];
    const nodeName = node?.metadata.name ?? 'kubesim-worker-1';
    const hostIP = (node?.status?.addresses ?? []).find((a: { type?: string }) => a.type === 'InternalIP')?.address ?? '10.0.1.10';
    const podName = sim.store.generateName(`${rsName}-`);
    const podIP = `10.244.${i % Math.max(1, nodes.length)}.${100 + i}`;
    const spec = clone(template.spec);
    spec.nodeName = nodeName;
    const conditionTypes = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    const metadata: KubeObject['metadata'] = {
      name: podName,
      namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: replicaSet.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    };
    if (template.metadata.annotations) metadata.annotations = { ...template.metadata.annotations };
    pods.push(
      sim.store.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata,
        spec,
        status: {
          phase: 'Running',
          conditions: conditionTypes.map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
          hostIP,
          hostIPs: [{ ip: hostIP }],
          podIP,
          podIPs: [{ ip: podIP }],
          startTime: now,
          qosClass: 'BestEffort',
          containerStatuses: (spec.containers as Array<{ name: string; image: string }>).map((c) => ({
            name: c.name,
            state: { running: { startedAt: now } },
            lastState: {},
            ready: true,
            restartCount: 0,
            image: c.image,
            imageID: `${c.image.split(':')[0]}@sha256:${'0'.repeat(64)}`,
            containerID: `containerd://${'0'.repeat(56)}${String(i).padStart(8, '0')}`,
            started: true,
          })),
        },
      }),
    );
  }
  return { deployment: sim.store.get('deployments', namespace, o.name), replicaSet, pods };
}

/** kubectl's "rollout finished" rule for the workload kinds, without going through kubectl. */
function rolledOut(obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  const s = obj.status ?? {};
  const gen = obj.metadata.generation ?? 0;
  switch (obj.kind) {
    case 'Deployment': {
      const desired = obj.spec.replicas ?? 1;
      const timedOut = (s.conditions ?? []).some((c: { type?: string; reason?: string }) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
      return !timedOut && gen <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= desired && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
    }
    case 'StatefulSet': {
      const desired = obj.spec.replicas ?? 1;
      const partition = obj.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      return (s.observedGeneration ?? 0) >= gen && gen > 0 && (s.readyReplicas ?? 0) >= desired && (s.updatedReplicas ?? 0) >= desired - partition;
    }
    case 'DaemonSet':
      return gen <= (s.observedGeneration ?? 0) && (s.updatedNumberScheduled ?? 0) >= (s.desiredNumberScheduled ?? 0) && (s.numberAvailable ?? 0) >= (s.desiredNumberScheduled ?? 0);
    case 'Rollout':
      return s.phase === 'Healthy' && String(s.observedGeneration) === String(gen);
  }
  return false;
}

/** Waits until a Deployment / StatefulSet / DaemonSet / Rollout has finished rolling out. */
export function waitForRollout(sim: FixtureTarget, resource: 'deployments' | 'statefulsets' | 'daemonsets' | 'rollouts', namespace: string, name: string, timeoutMs = 10_000): Promise<KubeObject> {
  return sim.waitFor(
    () => {
      const o = sim.store.tryGet(resource, namespace, name);
      return rolledOut(o) ? o : undefined;
    },
    { timeoutMs, description: `${resource} ${namespace}/${name} to finish rolling out` },
  );
}
