/**
 * What the API server does to an object before storing it: defaulting (SetDefaults_* of apps/v1 and
 * core/v1, so clients read the same fields they would read from a real cluster) and the validation
 * rules clients commonly trip over, with kube-apiserver's wording.
 */
import type { ResourceType } from './resources';
import { matchesLabels, selectorFromSpec } from './selectors';
import { invalid } from './status';
import { deepEqual, isPlainObject, type KubeObject } from './util';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** core/v1 SetDefaults for a PodSpec (the parts clients see in `kubectl get -o yaml`). */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      if (!isPlainObject(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
    }
  }
}

/** `Always` for :latest or untagged images, else `IfNotPresent`. */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? '' : image.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function templateSpec(obj: KubeObject): Record<string, unknown> | undefined {
  const t = obj.spec?.template;
  if (!isPlainObject(t)) return undefined;
  if (!isPlainObject(t.spec)) t.spec = {};
  if (!isPlainObject(t.metadata)) t.metadata = {};
  return t.spec as Record<string, unknown>;
}

export function applyDefaults(rt: ResourceType, obj: KubeObject): void {
  const needsSpec = ['pods', 'deployments', 'replicasets', 'statefulsets', 'daemonsets'].includes(rt.resource);
  if (needsSpec && !isPlainObject(obj.spec)) obj.spec = {};
  switch (rt.resource) {
    case 'namespaces':
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      obj.status = { phase: 'Active', ...(obj.status ?? {}) };
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
      break;
    case 'pods': {
      defaultPodSpec(obj.spec);
      obj.spec.serviceAccountName ??= 'default';
      obj.spec.enableServiceLinks ??= true;
      obj.spec.priority ??= 0;
      obj.spec.preemptionPolicy ??= 'PreemptLowerPriority';
      obj.spec.tolerations ??= [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ];
      obj.status ??= {};
      obj.status.phase ??= 'Pending';
      obj.status.qosClass ??= 'BestEffort';
      break;
    }
    case 'deployments': {
      const s = obj.spec;
      s.replicas ??= 1;
      s.strategy ??= {};
      s.strategy.type ??= 'RollingUpdate';
      if (s.strategy.type === 'RollingUpdate') {
        s.strategy.rollingUpdate ??= {};
        s.strategy.rollingUpdate.maxUnavailable ??= '25%';
        s.strategy.rollingUpdate.maxSurge ??= '25%';
      }
      s.revisionHistoryLimit ??= 10;
      s.progressDeadlineSeconds ??= 600;
      const ps = templateSpec(obj);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'replicasets': {
      obj.spec.replicas ??= 1;
      const ps = templateSpec(obj);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'statefulsets': {
      const s = obj.spec;
      s.replicas ??= 1;
      s.podManagementPolicy ??= 'OrderedReady';
      s.updateStrategy ??= {};
      if (!s.updateStrategy.type) {
        s.updateStrategy.type = 'RollingUpdate';
        s.updateStrategy.rollingUpdate ??= {};
      }
      if (s.updateStrategy.type === 'RollingUpdate' && isPlainObject(s.updateStrategy.rollingUpdate)) {
        s.updateStrategy.rollingUpdate.partition ??= 0;
      }
      s.revisionHistoryLimit ??= 10;
      s.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
      const ps = templateSpec(obj);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'daemonsets': {
      const s = obj.spec;
      s.updateStrategy ??= {};
      s.updateStrategy.type ??= 'RollingUpdate';
      if (s.updateStrategy.type === 'RollingUpdate') {
        s.updateStrategy.rollingUpdate ??= {};
        s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
        s.updateStrategy.rollingUpdate.maxSurge ??= 0;
      }
      s.revisionHistoryLimit ??= 10;
      const ps = templateSpec(obj);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'rollouts': {
      const ps = templateSpec(obj);
      if (ps) defaultPodSpec(ps);
      break;
    }
  }
}

function goMap(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {}).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Validation on create and update; throws a 422 Status. */
export function validate(rt: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
  const name = obj.metadata.name ?? '';
  const causes: Array<{ field: string; message: string; reason?: string }> = [];
  if (!name) {
    causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  } else if (rt.resource === 'namespaces' ? !DNS1123_LABEL.test(name) || name.length > 63 : !DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    const what = rt.resource === 'namespaces' ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
    const example = rt.resource === 'namespaces' ? "'my-name',  or '123-abc'" : "'example.com'";
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: ${what} must consist of lower case alphanumeric characters, '-'${rt.resource === 'namespaces' ? '' : " or '.'"}, and must start and end with an alphanumeric character (e.g. ${example})`,
    });
  }
  const workload = ['deployments', 'replicasets', 'statefulsets', 'daemonsets'].includes(rt.resource);
  if (workload || rt.resource === 'rollouts') {
    const spec = obj.spec ?? {};
    if (typeof spec.replicas === 'number' && spec.replicas < 0) {
      causes.push({ field: 'spec.replicas', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
    }
    const selector = spec.selector;
    const templateLabels = spec.template?.metadata?.labels as Record<string, string> | undefined;
    if (!isPlainObject(selector)) {
      if (workload) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
    } else if (isPlainObject(spec.template) && !matchesLabels(selectorFromSpec(selector), templateLabels)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\`` });
    }
    if (workload && old && rt.group === 'apps' && !deepEqual(old.spec?.selector, spec.selector)) {
      causes.push({ field: 'spec.selector', message: 'Invalid value: v1.LabelSelector{...}: field is immutable' });
    }
    if (isPlainObject(spec.template)) validateContainers(spec.template.spec, 'spec.template.spec', causes);
    else if (workload) causes.push({ field: 'spec.template.spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  }
  if (rt.resource === 'pods') validateContainers(obj.spec, 'spec', causes);
  if (causes.length) throw invalid(rt.kind, rt.group, name, causes);
}

function validateContainers(podSpec: unknown, at: string, causes: Array<{ field: string; message: string; reason?: string }>): void {
  const containers = isPlainObject(podSpec) ? podSpec.containers : undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${at}.containers`, message: 'Required value', reason: 'FieldValueRequired' });
    return;
  }
  containers.forEach((c, i) => {
    if (!isPlainObject(c) || typeof c.name !== 'string' || !c.name) causes.push({ field: `${at}.containers[${i}].name`, message: 'Required value', reason: 'FieldValueRequired' });
    if (!isPlainObject(c) || typeof c.image !== 'string' || !c.image) causes.push({ field: `${at}.containers[${i}].image`, message: 'Required value', reason: 'FieldValueRequired' });
  });
}
