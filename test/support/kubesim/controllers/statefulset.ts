/**
 * The StatefulSet controller: ordinal pods `<name>-0..N-1` with the `controller-revision-hash` label,
 * OrderedReady (one at a time, each Running and Ready before the next) or Parallel management,
 * RollingUpdate from the highest ordinal down to the partition, OnDelete (pods are replaced only when
 * someone deletes them), and the status kubectl reads (replicas, readyReplicas, currentReplicas,
 * updatedReplicas, availableReplicas, currentRevision, updateRevision, observedGeneration).
 */
import type { Controller, Runtime } from '../runtime';
import { clone, computeTemplateHash, type KubeObject } from '../util';
import { controllerOf, controllerRef, isOwnedBy, isPodReady, omitZero, statusChanged, withLabel } from './common';
import type { Kubelet } from './kubelet';

const SOURCE = { component: 'statefulset-controller' };
const REVISION_LABEL = 'controller-revision-hash';

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  /** pod templates by revision name (the simulator's ControllerRevisions) */
  private readonly revisions = new Map<string, unknown>();

  constructor(
    private readonly rt: Runtime,
    private readonly kubelet: Kubelet,
  ) {
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'statefulsets' && ev.type !== 'DELETED') {
        this.rt.enqueue(this, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      } else if (ev.rt.resource === 'pods') {
        const owner = controllerOf(ev.object);
        if (owner?.kind === 'StatefulSet') this.rt.enqueue(this, ev.object.metadata.namespace, owner.name);
      }
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const sts = this.rt.store.tryGet('statefulsets', namespace, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const updateRevision = `${name}-${computeTemplateHash(sts.spec.template)}`;
    this.revisions.set(updateRevision, clone(sts.spec.template));
    const currentRevision: string = sts.status?.currentRevision || updateRevision;
    const replicas: number = sts.spec.replicas ?? 1;
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    const strategy = sts.spec.updateStrategy ?? {};
    const rolling = strategy.type !== 'OnDelete';
    const partition: number = rolling ? (strategy.rollingUpdate?.partition ?? 0) : 0;

    const owned = () => this.rt.store.select('pods', { namespace }).filter((p) => isOwnedBy(p, sts));
    const byOrdinal = new Map<number, KubeObject>();
    for (const p of owned()) {
      const ord = ordinalOf(name, p.metadata.name ?? '');
      if (ord !== undefined) byOrdinal.set(ord, p);
    }
    const runningReady = (p: KubeObject) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);

    // create missing pods, in order unless Parallel
    let blocked = false;
    for (let ord = 0; ord < replicas && !blocked; ord++) {
      const pod = byOrdinal.get(ord);
      if (!pod) {
        // pods below the partition stay at the current revision (newVersionedStatefulSetPod)
        const keepCurrent = rolling && (strategy.rollingUpdate ? ord < partition : ord < (sts.status?.currentReplicas ?? 0));
        const revision = keepCurrent ? currentRevision : updateRevision;
        this.createPod(sts, ord, revision);
        if (!parallel) blocked = true;
      } else if (!parallel && !runningReady(pod)) {
        blocked = true;
      }
    }

    // scale down: the highest ordinal first, one at a time unless Parallel
    if (!blocked) {
      const condemned = [...byOrdinal.entries()].filter(([ord]) => ord >= replicas).sort(([a], [b]) => b - a);
      const terminating = condemned.some(([, p]) => p.metadata.deletionTimestamp);
      for (const [, pod] of condemned) {
        if (pod.metadata.deletionTimestamp) continue;
        if (!parallel && terminating) break;
        this.deletePod(sts, pod);
        if (!parallel) break;
      }
      if (condemned.length) blocked = !parallel;
    }

    // rolling update: replace pods at an old revision from the highest ordinal down to the partition
    if (!blocked && rolling) {
      for (let ord = replicas - 1; ord >= partition; ord--) {
        const pod = byOrdinal.get(ord);
        if (!pod || pod.metadata.deletionTimestamp) break;
        if (pod.metadata.labels?.[REVISION_LABEL] !== updateRevision) {
          this.deletePod(sts, pod);
          break;
        }
        if (!runningReady(pod)) break;
      }
    }

    this.updateStatus(sts, owned(), currentRevision, updateRevision);
  }

  private createPod(sts: KubeObject, ordinal: number, revision: string): void {
    const template = (this.revisions.get(revision) ?? sts.spec.template ?? {}) as KubeObject;
    const name = `${sts.metadata.name}-${ordinal}`;
    const labels = withLabel(withLabel(withLabel(template.metadata?.labels, REVISION_LABEL, revision), 'statefulset.kubernetes.io/pod-name', name), 'apps.kubernetes.io/pod-index', String(ordinal));
    const spec = clone(template.spec ?? {});
    spec.hostname = name;
    if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
    const metadata: KubeObject['metadata'] = { name, namespace: sts.metadata.namespace, labels, ownerReferences: [controllerRef(sts)] };
    if (template.metadata?.annotations) metadata.annotations = clone(template.metadata.annotations);
    this.rt.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata, spec });
    this.rt.events.record(sts, { type: 'Normal', reason: 'SuccessfulCreate', message: `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`, source: SOURCE });
  }

  private deletePod(sts: KubeObject, pod: KubeObject): void {
    this.rt.store.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '');
    this.rt.events.record(sts, { type: 'Normal', reason: 'SuccessfulDelete', message: `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`, source: SOURCE });
  }

  private updateStatus(sts: KubeObject, pods: KubeObject[], currentRevision: string, updateRevision: string): void {
    const now = Date.now();
    const minReady = this.rt.seconds(sts.spec.minReadySeconds ?? 0);
    let replicas = 0;
    let ready = 0;
    let available = 0;
    let current = 0;
    let updated = 0;
    let nextCheck = Infinity;
    for (const p of pods) {
      replicas++;
      if (p.status?.phase === 'Running' && isPodReady(p) && !p.metadata.deletionTimestamp) {
        ready++;
        const since = this.kubelet.readyAt(p) ?? now;
        if (since + minReady <= now) available++;
        else nextCheck = Math.min(nextCheck, since + minReady - now);
      }
      if (!p.metadata.deletionTimestamp) {
        const rev = p.metadata.labels?.[REVISION_LABEL];
        if (rev === currentRevision) current++;
        if (rev === updateRevision) updated++;
      }
    }
    if (nextCheck !== Infinity) this.rt.enqueueAfter(this, sts.metadata.namespace, sts.metadata.name ?? '', nextCheck + 1);
    const status: Record<string, unknown> = {
      observedGeneration: sts.metadata.generation,
      replicas,
      readyReplicas: ready,
      currentReplicas: current,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount: sts.status?.collisionCount ?? 0,
      availableReplicas: available,
    };
    // completeRollingUpdate: once every pod is updated and ready, the update revision becomes current
    if (sts.spec.updateStrategy?.type !== 'OnDelete' && updated === replicas && ready === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = updated;
    }
    omitZero(status, ['readyReplicas', 'currentReplicas', 'updatedReplicas']);
    if (!statusChanged(sts.status, status)) return;
    sts.status = status;
    this.rt.store.update('statefulsets', sts.metadata.namespace, sts.metadata.name ?? '', sts, { subresource: 'status' });
  }
}

function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}
