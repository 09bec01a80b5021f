/**
 * The ReplicaSet controller: keeps spec.replicas active pods (creating from the template, deleting the
 * least valuable first), records SuccessfulCreate / SuccessfulDelete, and reports replicas,
 * fullyLabeledReplicas, readyReplicas, availableReplicas (ready for minReadySeconds) and
 * observedGeneration. Serves ReplicaSets of Deployments and of Argo Rollouts alike.
 */
import type { Controller, Runtime } from '../runtime';
import { matchesLabels, selectorFromSpec } from '../selectors';
import { clone, type KubeObject } from '../util';
import { controllerOf, controllerRef, isOwnedBy, isPodActive, isPodReady, omitZero, statusChanged } from './common';
import type { Kubelet } from './kubelet';

const SOURCE = { component: 'replicaset-controller' };

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';

  constructor(
    private readonly rt: Runtime,
    private readonly kubelet: Kubelet,
  ) {
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'replicasets' && ev.type !== 'DELETED') {
        this.rt.enqueue(this, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      } else if (ev.rt.resource === 'pods') {
        const owner = controllerOf(ev.object);
        if (owner?.kind === 'ReplicaSet') this.rt.enqueue(this, ev.object.metadata.namespace, owner.name);
      }
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const rs = this.rt.store.tryGet('replicasets', namespace, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const desired: number = rs.spec?.replicas ?? 1;
    const pods = () => this.rt.store.select('pods', { namespace }).filter((p) => isOwnedBy(p, rs));
    const active = pods().filter(isPodActive);
    const diff = active.length - desired;
    if (diff < 0) {
      for (let i = 0; i < Math.min(-diff, 500); i++) this.createPod(rs);
    } else if (diff > 0) {
      for (const pod of rankForDeletion(active, this.kubelet).slice(0, diff)) {
        this.rt.store.delete('pods', namespace, pod.metadata.name ?? '');
        this.rt.events.record(rs, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name}`, source: SOURCE });
      }
    }
    this.updateStatus(rs, pods().filter(isPodActive));
  }

  private createPod(rs: KubeObject): void {
    const template = rs.spec?.template ?? {};
    const metadata: KubeObject['metadata'] = {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: clone(template.metadata?.labels ?? {}),
      ownerReferences: [controllerRef(rs)],
    };
    if (template.metadata?.annotations) metadata.annotations = clone(template.metadata.annotations);
    const created = this.rt.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata, spec: clone(template.spec ?? {}) });
    this.rt.events.record(rs, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${created.metadata.name}`, source: SOURCE });
  }

  private updateStatus(rs: KubeObject, active: KubeObject[]): void {
    const now = Date.now();
    const minReady = this.rt.seconds(rs.spec?.minReadySeconds ?? 0);
    const ready = active.filter(isPodReady);
    let nextCheck = Infinity;
    const available = ready.filter((p) => {
      const since = this.kubelet.readyAt(p) ?? now;
      if (since + minReady <= now) return true;
      nextCheck = Math.min(nextCheck, since + minReady - now);
      return false;
    });
    if (nextCheck !== Infinity) this.rt.enqueueAfter(this, rs.metadata.namespace, rs.metadata.name ?? '', nextCheck + 1);
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const templateSelector = selectorFromSpec({ matchLabels: templateLabels });
    const fullyLabeled = active.filter((p) => matchesLabels(templateSelector, p.metadata.labels)).length;
    const status = omitZero(
      {
        replicas: active.length,
        fullyLabeledReplicas: fullyLabeled,
        readyReplicas: ready.length,
        availableReplicas: available.length,
        observedGeneration: rs.metadata.generation,
      },
      ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    );
    if (!statusChanged(rs.status, status)) return;
    rs.status = status;
    this.rt.store.update('replicasets', rs.metadata.namespace, rs.metadata.name ?? '', rs, { subresource: 'status' });
  }
}

/** controller.ActivePodsWithRanks, simplified: the pods a scale-down removes first come first. */
function rankForDeletion(pods: KubeObject[], kubelet: Kubelet): KubeObject[] {
  const phaseRank = (p: KubeObject) => (p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Running' ? 2 : 1);
  const restarts = (p: KubeObject) => (p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0);
  return [...pods].sort((a, b) => {
    const assigned = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
    if (assigned) return assigned;
    const phase = phaseRank(a) - phaseRank(b);
    if (phase) return phase;
    const ready = Number(isPodReady(a)) - Number(isPodReady(b));
    if (ready) return ready;
    // ready for less time first
    const since = (kubelet.readyAt(b) ?? 0) - (kubelet.readyAt(a) ?? 0);
    if (since) return since;
    const r = restarts(b) - restarts(a);
    if (r) return r;
    // newer first
    return Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '') || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
  });
}
