/**
 * The Argo CD side of Application objects. The simulator does not read git: it hands sync and
 * refresh requests to a pluggable agent (`onApplicationOperation`) and keeps what it can derive itself:
 *   - `operation` set (Sync now)      -> status.operationState Running, then the agent's outcome
 *                                        (Succeeded at once when no agent is registered); `operation` removed
 *   - annotation argocd.argoproj.io/refresh -> the agent is told, the annotation removed, status.reconciledAt set
 *   - status.health                   -> derived from the live workloads listed in status.resources, with
 *                                        gitops-engine's health rules (Deployment, StatefulSet, DaemonSet, Rollout)
 */
import type { Controller, Runtime } from '../runtime';
import { RESOURCE_TYPES, apiVersionOfType } from '../resources';
import { clone, deepEqual, rfc3339, type KubeObject } from '../util';
import { getCondition } from './common';

export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

export type HealthStatus = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';
export type OperationPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';

/** An entry of status.resources: a workload the application manages. */
export interface ApplicationResource {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatus;
  health?: { status: HealthStatus; message?: string };
}

export interface ApplicationOperationRequest {
  kind: 'sync' | 'refresh';
  namespace: string;
  name: string;
  /** the Application when the request was seen */
  application: KubeObject;
  /** the requested operation (`kind: 'sync'`), e.g. `{ sync: { revision: 'abc123' }, initiatedBy: { username: 'admin' } }` */
  operation?: Record<string, any>;
  /** `normal` or `hard` (`kind: 'refresh'`) */
  refresh?: string;
}

/** What an agent may do to Applications (all writes go through the store and reach watchers). */
export interface ApplicationApi {
  /** Ends the running operation: operationState phase/message/finishedAt/syncResult; sync status Synced on success. */
  completeOperation(namespace: string, name: string, result: { phase: Exclude<OperationPhase, 'Running'>; message?: string; revision?: string }): KubeObject;
  setSyncStatus(namespace: string, name: string, sync: { status: SyncStatus; revision?: string }): KubeObject;
  /** Sets status.resources; health then follows the live objects. */
  setResources(namespace: string, name: string, resources: ApplicationResource[]): KubeObject;
  /** Sets the health of an application without resources. */
  setHealth(namespace: string, name: string, health: { status: HealthStatus; message?: string }): KubeObject;
}

export type ApplicationOperationHandler = (request: ApplicationOperationRequest, api: ApplicationApi) => void | Promise<void>;

const HEALTH_ORDER: HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];
const WORKLOADS = new Set(['deployments', 'statefulsets', 'daemonsets', 'rollouts']);

export class ApplicationController implements Controller, ApplicationApi {
  readonly name = 'argocd-application';
  private readonly handlers = new Set<ApplicationOperationHandler>();
  /** operations already handed to the agent, by application uid */
  private readonly started = new Map<string, string>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly rt: Runtime,
    private readonly onError: (err: unknown, where: string) => void,
    /** false: only the ApplicationApi writes work (simulator started without controllers) */
    active = true,
  ) {
    if (!active) return;
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'applications') {
        if (ev.type === 'DELETED') this.started.delete(ev.object.metadata.uid ?? '');
        else this.rt.enqueue(this, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      } else if (WORKLOADS.has(ev.rt.resource)) {
        for (const app of this.rt.store.select('applications')) {
          const resources: ApplicationResource[] = app.status?.resources ?? [];
          if (resources.some((r) => r.kind === ev.object.kind && r.name === ev.object.metadata.name && (r.namespace ?? app.spec?.destination?.namespace) === ev.object.metadata.namespace)) {
            this.rt.enqueue(this, app.metadata.namespace, app.metadata.name ?? '');
          }
        }
      }
    });
  }

  onOperation(handler: ApplicationOperationHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  reconcile(namespace: string | undefined, name: string): void {
    const app = this.rt.store.tryGet('applications', namespace, name);
    if (!app || app.metadata.deletionTimestamp) return;
    const uid = app.metadata.uid ?? '';
    const ns = app.metadata.namespace ?? 'argocd';

    if (app.operation && this.started.get(uid) !== JSON.stringify(app.operation)) {
      this.started.set(uid, JSON.stringify(app.operation));
      const next = clone(app);
      next.status = { ...(next.status ?? {}), operationState: { operation: clone(app.operation), phase: 'Running', message: '', startedAt: rfc3339() } };
      this.rt.store.update('applications', ns, name, next);
      this.dispatch({ kind: 'sync', namespace: ns, name, application: next, operation: clone(app.operation) }, () =>
        this.completeOperation(ns, name, { phase: 'Succeeded', revision: app.operation.sync?.revision }),
      );
      return;
    }
    const refresh = app.metadata.annotations?.[REFRESH_ANNOTATION];
    if (refresh && !this.refreshing.has(uid)) {
      this.refreshing.add(uid);
      this.dispatch({ kind: 'refresh', namespace: ns, name, application: app, refresh }, () => undefined, () => {
        this.refreshing.delete(uid);
        const current = this.rt.store.tryGet('applications', ns, name);
        if (!current) return;
        delete current.metadata.annotations?.[REFRESH_ANNOTATION];
        current.status = { ...(current.status ?? {}), reconciledAt: rfc3339() };
        this.rt.store.update('applications', ns, name, current);
      });
      return;
    }
    this.updateHealth(app);
  }

  /** Runs the registered agents (or the default) for a request; `after` runs once they are done. */
  private dispatch(request: ApplicationOperationRequest, fallback: () => void, after?: () => void): void {
    const handlers = [...this.handlers];
    if (!handlers.length) {
      this.rt.after(0, () => {
        fallback();
        after?.();
      });
      return;
    }
    void (async () => {
      try {
        for (const h of handlers) await h(request, this);
      } catch (err) {
        if (request.kind === 'sync') {
          try {
            this.completeOperation(request.namespace, request.name, { phase: 'Error', message: (err as Error).message ?? String(err) });
          } catch (e) {
            this.onError(e, this.name);
          }
        } else {
          this.onError(err, this.name);
        }
      } finally {
        after?.();
      }
    })();
  }

  private mutate(namespace: string, name: string, fn: (app: KubeObject) => void): KubeObject {
    const app = this.rt.store.get('applications', namespace, name);
    fn(app);
    return this.rt.store.update('applications', namespace, name, app);
  }

  completeOperation(namespace: string, name: string, result: { phase: Exclude<OperationPhase, 'Running'>; message?: string; revision?: string }): KubeObject {
    return this.mutate(namespace, name, (app) => {
      const state = app.status?.operationState ?? { operation: app.operation ?? {}, startedAt: rfc3339() };
      const revision = result.revision ?? state.operation?.sync?.revision ?? app.status?.sync?.revision ?? app.spec?.source?.targetRevision;
      state.phase = result.phase;
      state.message = result.message ?? (result.phase === 'Succeeded' ? 'successfully synced (all tasks run)' : 'one or more objects failed to apply');
      state.finishedAt = rfc3339();
      state.syncResult = { revision, source: clone(app.spec?.source ?? {}), resources: [] };
      app.status = { ...(app.status ?? {}), operationState: state };
      if (result.phase === 'Succeeded') app.status.sync = { ...(app.status.sync ?? {}), status: 'Synced', revision };
      app.status.history = [...(app.status.history ?? []), { revision, deployedAt: state.finishedAt, id: (app.status.history ?? []).length, source: clone(app.spec?.source ?? {}) }].slice(-10);
      delete app.operation;
      this.started.delete(app.metadata.uid ?? '');
    });
  }

  setSyncStatus(namespace: string, name: string, sync: { status: SyncStatus; revision?: string }): KubeObject {
    return this.mutate(namespace, name, (app) => {
      app.status = { ...(app.status ?? {}), sync: { ...(app.status?.sync ?? {}), ...sync, comparedTo: { source: clone(app.spec?.source ?? {}), destination: clone(app.spec?.destination ?? {}) } } };
    });
  }

  setResources(namespace: string, name: string, resources: ApplicationResource[]): KubeObject {
    const updated = this.mutate(namespace, name, (app) => {
      app.status = { ...(app.status ?? {}), resources: clone(resources) };
    });
    this.rt.enqueue(this, namespace, name);
    return updated;
  }

  setHealth(namespace: string, name: string, health: { status: HealthStatus; message?: string }): KubeObject {
    return this.mutate(namespace, name, (app) => {
      app.status = { ...(app.status ?? {}), health: clone(health) };
    });
  }

  private updateHealth(app: KubeObject): void {
    const resources: ApplicationResource[] = app.status?.resources ?? [];
    if (!resources.length) return;
    const next = clone(app);
    let worst: HealthStatus = 'Healthy';
    next.status.resources = resources.map((r) => {
      const namespace = r.namespace ?? app.spec?.destination?.namespace;
      const rt = RESOURCE_TYPES.find((t) => t.kind === r.kind && t.group === (r.group ?? t.group));
      const live = rt ? this.rt.store.tryGet(rt, namespace, r.name) : undefined;
      const health = live ? workloadHealth(live) : { status: 'Missing' as HealthStatus };
      if (HEALTH_ORDER.indexOf(health.status) > HEALTH_ORDER.indexOf(worst)) worst = health.status;
      const entry: ApplicationResource = { ...r, health };
      if (rt) {
        entry.group = rt.group || undefined;
        entry.version = apiVersionOfType(rt).split('/').pop();
      }
      if (entry.group === undefined) delete entry.group;
      return entry;
    });
    next.status.health = { status: worst };
    if (deepEqual(next.status, app.status)) return;
    this.rt.store.update('applications', app.metadata.namespace, app.metadata.name ?? '', next);
  }
}

/** gitops-engine's health of a workload (pkg/health) and Argo CD's Rollout health check. */
export function workloadHealth(obj: KubeObject): { status: HealthStatus; message?: string } {
  const gen = obj.metadata.generation ?? 0;
  const s = obj.status ?? {};
  const spec = obj.spec ?? {};
  switch (obj.kind) {
    case 'Deployment': {
      if (spec.paused) return { status: 'Suspended', message: 'Deployment is paused' };
      if (gen <= (s.observedGeneration ?? 0)) {
        if (getCondition(s, 'Progressing')?.reason === 'ProgressDeadlineExceeded') return { status: 'Degraded', message: `Deployment "${obj.metadata.name}" exceeded its progress deadline` };
        const replicas = spec.replicas ?? 1;
        const updated = s.updatedReplicas ?? 0;
        if (updated < replicas) return { status: 'Progressing', message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
        if ((s.replicas ?? 0) > updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
        if ((s.availableReplicas ?? 0) < updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
        return { status: 'Healthy' };
      }
      return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
    }
    case 'StatefulSet': {
      const observed = s.observedGeneration ?? 0;
      if (observed === 0 || gen > observed) return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
      const replicas = spec.replicas ?? 1;
      if ((s.readyReplicas ?? 0) < replicas) return { status: 'Progressing', message: `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...` };
      const strategy = spec.updateStrategy ?? {};
      if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate?.partition !== undefined) {
        const target = replicas - strategy.rollingUpdate.partition;
        if ((s.updatedReplicas ?? 0) < target) return { status: 'Progressing', message: `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${target} new pods have been updated...` };
        return { status: 'Healthy', message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...` };
      }
      if (strategy.type === 'OnDelete') return { status: 'Healthy', message: `statefulset has ${s.readyReplicas ?? 0} ready pods` };
      if (s.updateRevision !== s.currentRevision) return { status: 'Progressing', message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}...` };
      return { status: 'Healthy', message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...` };
    }
    case 'DaemonSet': {
      if (gen > (s.observedGeneration ?? 0)) return { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' };
      if (spec.updateStrategy?.type === 'OnDelete') return { status: 'Healthy', message: `daemon set ${s.updatedNumberScheduled ?? 0} out of ${s.desiredNumberScheduled ?? 0} new pods have been updated` };
      if ((s.updatedNumberScheduled ?? 0) < (s.desiredNumberScheduled ?? 0)) return { status: 'Progressing', message: `Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${s.desiredNumberScheduled ?? 0} new pods have been updated...` };
      if ((s.numberAvailable ?? 0) < (s.desiredNumberScheduled ?? 0)) return { status: 'Progressing', message: `Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${s.numberAvailable ?? 0} of ${s.desiredNumberScheduled ?? 0} updated pods are available...` };
      return { status: 'Healthy' };
    }
    case 'Rollout': {
      if (s.observedGeneration !== undefined && String(s.observedGeneration) !== String(gen)) return { status: 'Progressing', message: 'Waiting for rollout spec update to be observed' };
      switch (s.phase) {
        case 'Healthy':
          return { status: 'Healthy' };
        case 'Paused':
          return { status: 'Suspended', message: 'Rollout is paused' };
        case 'Degraded':
          return { status: 'Degraded', message: s.message };
        case 'Progressing':
          return { status: 'Progressing', message: s.message };
        default:
          return { status: 'Progressing', message: 'Waiting for rollout to finish' };
      }
    }
  }
  return { status: 'Unknown' };
}
