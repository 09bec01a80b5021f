/**
 * The Deployment controller, following kube-controller-manager's pkg/controller/deployment:
 * a new ReplicaSet per pod template (pod-template-hash label, revision / desired-replicas /
 * max-replicas annotations, owner reference), RollingUpdate by maxSurge / maxUnavailable
 * (reconcileNewReplicaSet, cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate),
 * Recreate, scaling events, revision history cleanup, and status with the Available and
 * Progressing conditions (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
 * NewReplicaSetAvailable, ProgressDeadlineExceeded), ScalingReplicaSet events.
 */
import type { Controller, Runtime } from '../runtime';
import { clone, computeTemplateHash, deepEqual, scaledValue, type KubeObject } from '../util';
import {
  controllerOf,
  controllerRef,
  getCondition,
  isOwnedBy,
  newCondition,
  omitZero,
  removeCondition,
  setCondition,
  statusChanged,
  withLabel,
  type Condition,
} from './common';

const SOURCE = { component: 'deployment-controller' };
const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';
/** annotations the controller does not copy from the Deployment to its ReplicaSets */
const NOT_COPIED = new Set([REVISION, DESIRED_REPLICAS, MAX_REPLICAS, 'kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision-history']);

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: Condition[];
}

function replicasOf(rs: KubeObject | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

function byCreation(a: KubeObject, b: KubeObject): number {
  return Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** Template equality ignoring the pod-template-hash label (EqualIgnoreHash). */
function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = clone((t ?? {}) as KubeObject);
    if (c.metadata?.labels) {
      delete c.metadata.labels[HASH_LABEL];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    return c;
  };
  return deepEqual(strip(a), strip(b));
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  /** precise time of the last progress per deployment uid (conditions carry second precision only) */
  private readonly lastProgress = new Map<string, number>();

  constructor(private readonly rt: Runtime) {
    rt.store.subscribe((ev) => {
      const o = ev.object;
      if (ev.rt.resource === 'deployments') {
        if (ev.type === 'DELETED') this.lastProgress.delete(o.metadata.uid ?? '');
        else this.rt.enqueue(this, o.metadata.namespace, o.metadata.name ?? '');
      } else if (ev.rt.resource === 'replicasets') {
        const owner = controllerOf(o);
        if (owner?.kind === 'Deployment') this.rt.enqueue(this, o.metadata.namespace, owner.name);
      } else if (ev.rt.resource === 'pods' && ev.type === 'DELETED') {
        // Recreate waits for old pods to be gone
        const rsRef = controllerOf(o);
        if (rsRef?.kind !== 'ReplicaSet') return;
        const rs = this.rt.store.tryGet('replicasets', o.metadata.namespace, rsRef.name);
        const owner = rs && controllerOf(rs);
        if (owner?.kind === 'Deployment') this.rt.enqueue(this, o.metadata.namespace, owner.name);
      }
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const d = this.rt.store.tryGet('deployments', namespace, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const rsList = this.rt.store
      .select('replicasets', { namespace })
      .filter((rs) => isOwnedBy(rs, d))
      .sort(byCreation);

    if (d.spec.paused) {
      this.checkPausedCondition(d, true);
      this.sync(d, rsList);
      return;
    }
    this.checkPausedCondition(d, false);
    if (this.isScalingEvent(d, rsList)) {
      this.sync(d, rsList);
      return;
    }
    if (d.spec.strategy?.type === 'Recreate') this.rolloutRecreate(d, rsList);
    else this.rolloutRolling(d, rsList);
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────────

  private desired(d: KubeObject): number {
    return d.spec.replicas ?? 1;
  }

  private maxSurge(d: KubeObject): number {
    if (d.spec.strategy?.type !== 'RollingUpdate') return 0;
    const [surge] = this.fenceposts(d);
    return surge;
  }

  /** deploymentutil.MaxUnavailable */
  private maxUnavailable(d: KubeObject): number {
    const desired = this.desired(d);
    if (d.spec.strategy?.type !== 'RollingUpdate' || desired === 0) return 0;
    const [, unavailable] = this.fenceposts(d);
    return Math.min(unavailable, desired);
  }

  /** deploymentutil.ResolveFenceposts: surge rounds up, unavailable rounds down, never both 0. */
  private fenceposts(d: KubeObject): [number, number] {
    const desired = this.desired(d);
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    const surge = scaledValue(ru.maxSurge, desired, true, '25%');
    let unavailable = scaledValue(ru.maxUnavailable, desired, false, '25%');
    if (surge === 0 && unavailable === 0) unavailable = 1;
    return [surge, unavailable];
  }

  private hasProgressDeadline(d: KubeObject): boolean {
    const s = d.spec.progressDeadlineSeconds;
    return typeof s === 'number' && s !== 2147483647;
  }

  private splitNewAndOld(d: KubeObject, rsList: KubeObject[]): [KubeObject | undefined, KubeObject[]] {
    // the oldest matching ReplicaSet is the new one (FindNewReplicaSet)
    const newRS = rsList.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template));
    return [newRS, rsList.filter((rs) => rs !== newRS)];
  }

  /** Scales a ReplicaSet (and refreshes its desired/max annotations); records ScalingReplicaSet. */
  private scaleReplicaSet(rs: KubeObject, replicas: number, d: KubeObject): boolean {
    const annotations = { ...(rs.metadata.annotations ?? {}) };
    annotations[DESIRED_REPLICAS] = String(this.desired(d));
    annotations[MAX_REPLICAS] = String(this.desired(d) + this.maxSurge(d));
    const sizeChanged = replicasOf(rs) !== replicas;
    if (!sizeChanged && deepEqual(annotations, rs.metadata.annotations ?? {})) return false;
    const from = replicasOf(rs);
    const next = clone(rs);
    next.spec.replicas = replicas;
    next.metadata.annotations = annotations;
    const updated = this.rt.store.update('replicasets', rs.metadata.namespace, rs.metadata.name ?? '', next);
    Object.assign(rs, updated);
    if (sizeChanged) {
      const dir = replicas > from ? 'up' : 'down';
      this.rt.events.record(d, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${replicas}`, source: SOURCE });
    }
    return sizeChanged;
  }

  /** getNewReplicaSet: finds or (optionally) creates the ReplicaSet for the current template, syncing revisions. */
  private getNewReplicaSet(d: KubeObject, rsList: KubeObject[], create: boolean): KubeObject | undefined {
    const [existing, oldRSs] = this.splitNewAndOld(d, rsList);
    const maxOldRevision = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const newRevision = String(maxOldRevision + 1);
    const status: DeploymentStatus = clone(d.status ?? {});
    let needsUpdate = false;
    const annotations = { ...(d.metadata.annotations ?? {}) };

    if (existing) {
      if (revisionOf(existing) < Number(newRevision)) {
        const next = clone(existing);
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: newRevision };
        Object.assign(existing, this.rt.store.update('replicasets', existing.metadata.namespace, existing.metadata.name ?? '', next));
      }
      const rev = existing.metadata.annotations?.[REVISION] ?? newRevision;
      if (annotations[REVISION] !== rev) {
        annotations[REVISION] = rev;
        needsUpdate = true;
      }
      if (this.hasProgressDeadline(d) && !getCondition(status, 'Progressing')) {
        setCondition(status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${existing.metadata.name}"`));
        this.lastProgress.set(d.metadata.uid ?? '', Date.now());
        needsUpdate = true;
      }
      if (needsUpdate) this.writeStatus(d, status, annotations);
      return existing;
    }
    if (!create) return undefined;

    const hash = computeTemplateHash(d.spec.template, d.status?.collisionCount);
    const template = clone(d.spec.template);
    template.metadata = template.metadata ?? {};
    template.metadata.labels = withLabel(template.metadata.labels, HASH_LABEL, hash);
    const selector = clone(d.spec.selector ?? {});
    selector.matchLabels = withLabel(selector.matchLabels, HASH_LABEL, hash);
    const rsAnnotations: Record<string, string> = {};
    for (const [k, v] of Object.entries((d.metadata.annotations ?? {}) as Record<string, string>)) if (!NOT_COPIED.has(k)) rsAnnotations[k] = v;
    rsAnnotations[DESIRED_REPLICAS] = String(this.desired(d));
    rsAnnotations[MAX_REPLICAS] = String(this.desired(d) + this.maxSurge(d));
    rsAnnotations[REVISION] = newRevision;
    const replicas = this.newRSNewReplicas(d, rsList, undefined);
    const created = this.rt.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: clone(template.metadata.labels),
        annotations: rsAnnotations,
        ownerReferences: [controllerRef(d)],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    });
    if (replicas > 0) {
      this.rt.events.record(d, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`, source: SOURCE });
    }
    annotations[REVISION] = newRevision;
    if (this.hasProgressDeadline(d)) {
      setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${created.metadata.name}"`));
      this.lastProgress.set(d.metadata.uid ?? '', Date.now());
    }
    this.writeStatus(d, status, annotations);
    return created;
  }

  /** deploymentutil.NewRSNewReplicas */
  private newRSNewReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject | undefined): number {
    const desired = this.desired(d);
    if (d.spec.strategy?.type === 'Recreate') return desired;
    const current = allRSs.reduce((n, rs) => n + replicasOf(rs), 0);
    const maxTotal = desired + this.maxSurge(d);
    if (current >= maxTotal) return replicasOf(newRS);
    const scaleUp = Math.min(maxTotal - current, desired - replicasOf(newRS));
    return replicasOf(newRS) + Math.max(0, scaleUp);
  }

  private writeStatus(d: KubeObject, status: DeploymentStatus, annotations?: Record<string, string>): void {
    const next = clone(d);
    next.status = status;
    if (annotations) next.metadata.annotations = annotations;
    const updated = this.rt.store.update('deployments', d.metadata.namespace, d.metadata.name ?? '', next, { subresource: 'status' });
    Object.assign(d, updated);
  }

  private checkPausedCondition(d: KubeObject, paused: boolean): void {
    if (!this.hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    const pausedCond = cond?.reason === 'DeploymentPaused';
    if (paused && !pausedCond) {
      const status: DeploymentStatus = clone(d.status ?? {});
      setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
      this.writeStatus(d, status);
    } else if (!paused && pausedCond) {
      const status: DeploymentStatus = clone(d.status ?? {});
      setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
      this.lastProgress.set(d.metadata.uid ?? '', Date.now());
      this.writeStatus(d, status);
    }
  }

  // ── scaling (kubectl scale / HPA) ──────────────────────────────────────────────────────────────

  private isScalingEvent(d: KubeObject, rsList: KubeObject[]): boolean {
    const newRS = this.getNewReplicaSet(d, rsList, false);
    const all = newRS ? [newRS, ...rsList.filter((r) => r.metadata.uid !== newRS.metadata.uid)] : rsList;
    return all
      .filter((rs) => replicasOf(rs) > 0)
      .some((rs) => {
        const v = rs.metadata.annotations?.[DESIRED_REPLICAS];
        return v !== undefined && Number(v) !== this.desired(d);
      });
  }

  /** DeploymentController.sync + scale: resize the active ReplicaSets to the new size. */
  private sync(d: KubeObject, rsList: KubeObject[]): void {
    const newRS = this.getNewReplicaSet(d, rsList, false);
    const oldRSs = rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    const desired = this.desired(d);
    const active = [...(newRS ? [newRS] : []), ...oldRSs].filter((rs) => replicasOf(rs) > 0);
    if (active.length <= 1) {
      // one active ReplicaSet (or none: the newest) takes the whole size
      const target = active[0] ?? newRS ?? [...rsList].sort(byCreation).pop();
      if (target) this.scaleReplicaSet(target, desired, d);
    } else if (!(newRS && replicasOf(newRS) === desired && oldRSs.every((rs) => replicasOf(rs) === 0))) {
      // proportional scaling: spread the difference over the active ReplicaSets by size
      const allowed = desired + this.maxSurge(d);
      const total = active.reduce((n, rs) => n + replicasOf(rs), 0);
      let toAdd = allowed - total;
      const sorted = [...active].sort((a, b) => (toAdd > 0 ? replicasOf(b) - replicasOf(a) : replicasOf(a) - replicasOf(b)));
      const targets = new Map<KubeObject, number>();
      let added = 0;
      for (const rs of sorted) {
        const share = total > 0 ? Math.trunc((replicasOf(rs) * toAdd) / total) : 0;
        targets.set(rs, Math.max(0, replicasOf(rs) + share));
        added += share;
      }
      toAdd -= added;
      if (toAdd !== 0 && sorted[0]) targets.set(sorted[0], Math.max(0, targets.get(sorted[0])! + toAdd));
      for (const [rs, n] of targets) this.scaleReplicaSet(rs, n, d);
    }
    // refresh annotations on the rest so the next sync is not another scaling event
    for (const rs of rsList) if (replicasOf(rs) > 0) this.scaleReplicaSet(rs, replicasOf(rs), d);
    this.syncStatusOnly(d, newRS);
  }

  // ── strategies ─────────────────────────────────────────────────────────────────────────────────

  private rolloutRolling(d: KubeObject, rsList: KubeObject[]): void {
    const newRS = this.getNewReplicaSet(d, rsList, true)!;
    const oldRSs = rsList.filter((rs) => rs.metadata.uid !== newRS.metadata.uid);
    const allRSs = [...oldRSs, newRS];
    if (this.reconcileNewReplicaSet(allRSs, newRS, d)) {
      this.syncRolloutStatus(allRSs, newRS, d);
      return;
    }
    if (this.reconcileOldReplicaSets(allRSs, oldRSs.filter((rs) => replicasOf(rs) > 0), newRS, d)) {
      this.syncRolloutStatus(allRSs, newRS, d);
      return;
    }
    if (this.deploymentComplete(d, this.calculateStatus(allRSs, newRS, d))) this.cleanupDeployment(oldRSs, d);
    this.syncRolloutStatus(allRSs, newRS, d);
  }

  private reconcileNewReplicaSet(allRSs: KubeObject[], newRS: KubeObject, d: KubeObject): boolean {
    const desired = this.desired(d);
    if (replicasOf(newRS) === desired) return false;
    if (replicasOf(newRS) > desired) return this.scaleReplicaSet(newRS, desired, d);
    return this.scaleReplicaSet(newRS, this.newRSNewReplicas(d, allRSs, newRS), d);
  }

  private reconcileOldReplicaSets(allRSs: KubeObject[], oldRSs: KubeObject[], newRS: KubeObject, d: KubeObject): boolean {
    const oldPods = oldRSs.reduce((n, rs) => n + replicasOf(rs), 0);
    if (oldPods === 0) return false;
    const allPods = allRSs.reduce((n, rs) => n + replicasOf(rs), 0);
    const minAvailable = this.desired(d) - this.maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    // cleanupUnhealthyReplicas: old pods that are not available go first
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scaleReplicaSet(rs, replicasOf(rs) - n, d);
      cleaned += n;
    }
    // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available pods
    const available = allRSs.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...oldRSs].sort(byCreation)) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const n = Math.min(replicasOf(rs), total - scaledDown);
        this.scaleReplicaSet(rs, replicasOf(rs) - n, d);
        scaledDown += n;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private rolloutRecreate(d: KubeObject, rsList: KubeObject[]): void {
    let newRS = this.getNewReplicaSet(d, rsList, false);
    const oldRSs = rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    const activeOld = oldRSs.filter((rs) => replicasOf(rs) > 0);
    let scaledDown = false;
    for (const rs of activeOld) scaledDown = this.scaleReplicaSet(rs, 0, d) || scaledDown;
    if (scaledDown) {
      this.syncRolloutStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
      return;
    }
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPodsRunning = this.rt.store.select('pods', { namespace: d.metadata.namespace }).some((p) => oldUids.has(controllerOf(p)?.uid));
    if (oldPodsRunning) {
      this.syncRolloutStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
      return;
    }
    newRS ??= this.getNewReplicaSet(d, rsList, true)!;
    this.scaleReplicaSet(newRS, this.desired(d), d);
    const all = [...oldRSs, newRS];
    if (this.deploymentComplete(d, this.calculateStatus(all, newRS, d))) this.cleanupDeployment(oldRSs, d);
    this.syncRolloutStatus(all, newRS, d);
  }

  /** Deletes old, scaled-down ReplicaSets beyond revisionHistoryLimit (oldest first). */
  private cleanupDeployment(oldRSs: KubeObject[], d: KubeObject): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of byRevision.slice(0, excess)) this.rt.store.delete('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
  }

  // ── status ─────────────────────────────────────────────────────────────────────────────────────

  private calculateStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): DeploymentStatus {
    const available = allRSs.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    const total = allRSs.reduce((n, rs) => n + replicasOf(rs), 0);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: allRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: allRSs.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      collisionCount: d.status?.collisionCount,
      conditions: clone(d.status?.conditions ?? []),
    };
    if (available >= this.desired(d) - this.maxUnavailable(d)) {
      setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
    } else {
      setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    }
    return status;
  }

  private deploymentComplete(d: KubeObject, s: DeploymentStatus): boolean {
    const desired = this.desired(d);
    return (s.updatedReplicas ?? 0) === desired && (s.replicas ?? 0) === desired && (s.availableReplicas ?? 0) === desired && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  }

  /** deploymentutil.DeploymentProgressing */
  private deploymentProgressing(d: KubeObject, s: DeploymentStatus): boolean {
    const old: DeploymentStatus = d.status ?? {};
    const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
    const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
    return (
      (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
      newOld < oldOld ||
      (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
      (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    );
  }

  private deadlineMs(d: KubeObject): number {
    return this.rt.seconds(d.spec.progressDeadlineSeconds ?? 600);
  }

  private progressedAt(d: KubeObject, cond: Condition): number {
    return this.lastProgress.get(d.metadata.uid ?? '') ?? Date.parse(cond.lastUpdateTime ?? '');
  }

  /** deploymentutil.DeploymentTimedOut */
  private deploymentTimedOut(d: KubeObject, s: DeploymentStatus): boolean {
    if (!this.hasProgressDeadline(d)) return false;
    const cond = getCondition(s, 'Progressing');
    if (!cond || cond.reason === 'NewReplicaSetAvailable') return false;
    if (cond.reason === 'ProgressDeadlineExceeded') return true;
    return this.progressedAt(d, cond) + this.deadlineMs(d) < Date.now();
  }

  /** DeploymentController.syncRolloutStatus */
  private syncRolloutStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): void {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (!this.hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const isComplete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (this.hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS?.metadata.name;
      if (this.deploymentComplete(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
        setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', msg));
      } else if (this.deploymentProgressing(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
        const cond = newCondition('Progressing', 'True', 'ReplicaSetUpdated', msg);
        if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        status.conditions = [...(status.conditions ?? []), cond];
        this.lastProgress.set(d.metadata.uid ?? '', Date.now());
      } else if (this.deploymentTimedOut(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', msg));
      }
    }
    const next = this.finalize(status);
    if (!statusChanged(d.status, next)) {
      this.requeueStuck(d, next);
      return;
    }
    this.writeStatus(d, next);
    this.requeueStuck(d, next);
  }

  /** Re-checks a stuck rollout when its progress deadline passes (requeueStuckDeployment). */
  private requeueStuck(d: KubeObject, s: DeploymentStatus): void {
    const cond = getCondition(s, 'Progressing');
    if (!this.hasProgressDeadline(d) || !cond) return;
    if (cond.reason === 'NewReplicaSetAvailable' || cond.reason === 'ProgressDeadlineExceeded' || cond.reason === 'DeploymentPaused') return;
    if (this.deploymentComplete(d, s)) return;
    const due = this.progressedAt(d, cond) + this.deadlineMs(d) - Date.now();
    this.rt.enqueueAfter(this, d.metadata.namespace, d.metadata.name ?? '', Math.max(0, due) + 1);
  }

  private syncStatusOnly(d: KubeObject, newRS: KubeObject | undefined): void {
    const fresh = this.rt.store.select('replicasets', { namespace: d.metadata.namespace }).filter((rs) => isOwnedBy(rs, d));
    const newFresh = newRS ? fresh.find((rs) => rs.metadata.uid === newRS.metadata.uid) : undefined;
    const next = this.finalize(this.calculateStatus(fresh, newFresh, d));
    if (statusChanged(d.status, next)) this.writeStatus(d, next);
  }

  /** omitempty fields and a stable condition order (Available, then Progressing, like the controller writes them). */
  private finalize(status: DeploymentStatus): DeploymentStatus {
    const s = omitZero({ ...status } as Record<string, unknown>, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount']) as DeploymentStatus;
    if (s.conditions) {
      const order = ['Available', 'Progressing', 'ReplicaFailure'];
      s.conditions = [...s.conditions].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
      if (s.conditions.length === 0) delete s.conditions;
    }
    return s;
  }
}

