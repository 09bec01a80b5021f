/** Helpers the workload controllers share (owner references, pod readiness, conditions). */
import { deepEqual, isPlainObject, rfc3339, type KubeObject, type OwnerReference } from '../util';

export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of the object's controlling owner, if any. */
export function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerUid(obj) === owner.metadata.uid;
}

/** controller.IsPodActive: not terminating and not finished. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export function getCondition(status: unknown, type: string): Condition | undefined {
  const list = isPlainObject(status) && Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  return list.find((c) => c.type === type);
}

/**
 * deploymentutil.SetDeploymentCondition: no change when status and reason are the same; the
 * transition time is kept when only the reason/message change.
 */
export function setCondition(status: { conditions?: Condition[] }, cond: Condition): boolean {
  const list = status.conditions ?? [];
  const current = list.find((c) => c.type === cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return false;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...list.filter((c) => c.type !== cond.type), next];
  return true;
}

export function removeCondition(status: { conditions?: Condition[] }, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

export function newCondition(type: string, status: Condition['status'], reason: string, message: string): Condition {
  const now = rfc3339();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** Drops zero-valued fields the API types mark `omitempty`, so status JSON looks like a real cluster's. */
export function omitZero<T extends Record<string, unknown>>(status: T, keys: readonly string[]): T {
  for (const k of keys) if (status[k] === 0 || status[k] === undefined) delete status[k];
  return status;
}

export function statusChanged(before: unknown, after: unknown): boolean {
  return !deepEqual(before ?? {}, after ?? {});
}

/** Labels of a template, with the extra label the controller adds (pod-template-hash, ...). */
export function withLabel(labels: Record<string, string> | undefined, key: string, value: string): Record<string, string> {
  return { ...(labels ?? {}), [key]: value };
}
