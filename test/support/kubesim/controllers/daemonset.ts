/**
 * The DaemonSet controller: one pod per eligible node (nodeSelector), RollingUpdate within
 * maxUnavailable (old pods that are unavailable anyway go first), OnDelete, and the status kubectl
 * reads (desiredNumberScheduled, currentNumberScheduled, numberReady, updatedNumberScheduled,
 * numberAvailable, numberUnavailable, observedGeneration).
 */
import type { Controller, Runtime } from '../runtime';
import { clone, computeTemplateHash, scaledValue, type KubeObject } from '../util';
import { controllerOf, controllerRef, isOwnedBy, isPodActive, isPodReady, omitZero, statusChanged, withLabel } from './common';
import type { Kubelet } from './kubelet';

const SOURCE = { component: 'daemonset-controller' };
const REVISION_LABEL = 'controller-revision-hash';

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';

  constructor(
    private readonly rt: Runtime,
    private readonly kubelet: Kubelet,
  ) {
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'daemonsets' && ev.type !== 'DELETED') {
        this.rt.enqueue(this, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      } else if (ev.rt.resource === 'pods') {
        const owner = controllerOf(ev.object);
        if (owner?.kind === 'DaemonSet') this.rt.enqueue(this, ev.object.metadata.namespace, owner.name);
      } else if (ev.rt.resource === 'nodes') {
        for (const ds of this.rt.store.select('daemonsets')) this.rt.enqueue(this, ds.metadata.namespace, ds.metadata.name ?? '');
      }
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const ds = this.rt.store.tryGet('daemonsets', namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = computeTemplateHash(ds.spec.template);
    const selector = (ds.spec.template?.spec?.nodeSelector ?? {}) as Record<string, string>;
    const nodes = this.rt.store
      .select('nodes')
      .filter((n) => !n.spec?.unschedulable && Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v))
      .map((n) => n.metadata.name ?? '');
    const owned = () => this.rt.store.select('pods', { namespace }).filter((p) => isOwnedBy(p, ds));
    const now = Date.now();
    const minReady = this.rt.seconds(ds.spec.minReadySeconds ?? 0);
    const isAvailable = (p: KubeObject) => isPodActive(p) && isPodReady(p) && (this.kubelet.readyAt(p) ?? now) + minReady <= now;

    const byNode = new Map<string, KubeObject[]>();
    for (const p of owned()) {
      const node = targetNode(p) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    // pods on nodes that no longer qualify
    for (const [node, pods] of byNode) {
      if (nodes.includes(node)) continue;
      for (const p of pods.filter(isPodActive)) this.deletePod(ds, p);
    }
    // one pod on every eligible node
    for (const node of nodes) {
      if (!(byNode.get(node) ?? []).some((p) => !p.metadata.deletionTimestamp)) this.createPod(ds, node, hash);
    }
    // rolling update within maxUnavailable
    if (ds.spec.updateStrategy?.type !== 'OnDelete') {
      const maxUnavailable = Math.max(1, scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, nodes.length, true, 1));
      let unavailable = nodes.filter((node) => !(byNode.get(node) ?? []).some(isAvailable)).length;
      for (const node of nodes) {
        const old = (byNode.get(node) ?? []).filter((p) => isPodActive(p) && p.metadata.labels?.[REVISION_LABEL] !== hash);
        for (const p of old) {
          if (!isAvailable(p)) {
            this.deletePod(ds, p);
          } else if (unavailable < maxUnavailable) {
            this.deletePod(ds, p);
            unavailable++;
          }
        }
      }
    }
    this.updateStatus(ds, nodes, owned(), hash, isAvailable);
  }

  private createPod(ds: KubeObject, node: string, hash: string): void {
    const template = ds.spec.template ?? {};
    const labels = withLabel(withLabel(template.metadata?.labels, REVISION_LABEL, hash), 'pod-template-generation', String(ds.metadata.generation ?? 1));
    const metadata: KubeObject['metadata'] = { generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace, labels, ownerReferences: [controllerRef(ds)] };
    if (template.metadata?.annotations) metadata.annotations = clone(template.metadata.annotations);
    const spec = clone(template.spec ?? {});
    // the controller pins the pod with node affinity; the scheduler then binds it there
    spec.affinity = {
      ...(spec.affinity ?? {}),
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
        },
      },
    };
    const created = this.rt.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata, spec });
    this.rt.events.record(ds, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${created.metadata.name}`, source: SOURCE });
  }

  private deletePod(ds: KubeObject, pod: KubeObject): void {
    this.rt.store.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '');
    this.rt.events.record(ds, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name}`, source: SOURCE });
  }

  private updateStatus(ds: KubeObject, nodes: string[], pods: KubeObject[], hash: string, isAvailable: (p: KubeObject) => boolean): void {
    let current = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    for (const node of nodes) {
      const onNode = pods.filter((p) => targetNode(p) === node && isPodActive(p));
      if (onNode.length) current++;
      if (onNode.some(isPodReady)) ready++;
      if (onNode.some((p) => p.metadata.labels?.[REVISION_LABEL] === hash)) updated++;
      if (onNode.some(isAvailable)) available++;
    }
    const pendingAvailability = pods.some((p) => isPodActive(p) && isPodReady(p) && !isAvailable(p));
    if (pendingAvailability) this.rt.enqueueAfter(this, ds.metadata.namespace, ds.metadata.name ?? '', this.rt.seconds(ds.spec.minReadySeconds ?? 0) + 1);
    const status = omitZero(
      {
        currentNumberScheduled: current,
        numberMisscheduled: 0,
        desiredNumberScheduled: nodes.length,
        numberReady: ready,
        observedGeneration: ds.metadata.generation,
        updatedNumberScheduled: updated,
        numberAvailable: available,
        numberUnavailable: nodes.length - available,
      } as Record<string, unknown>,
      ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'],
    );
    if (!statusChanged(ds.status, status)) return;
    ds.status = status;
    this.rt.store.update('daemonsets', ds.metadata.namespace, ds.metadata.name ?? '', ds, { subresource: 'status' });
  }
}

/** The node a daemon pod runs on, or is pinned to by the controller's node affinity before binding. */
export function targetNode(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
