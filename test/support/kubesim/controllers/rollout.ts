/**
 * The Argo Rollouts controller for the canary strategy: a ReplicaSet per pod template
 * (`rollouts-pod-template-hash`), the first revision going straight to stable, then the steps of
 * spec.strategy.canary (setWeight scales canary / stable like basic canary, or keeps stable at full
 * size with traffic routing and reports status.canary.weights; pause with or without a duration),
 * promotion the way `kubectl argo rollouts promote` does it (clearing status.pauseConditions, or
 * setting currentStepIndex / promoteFull), abort (status.abort -> canary scaled away, Degraded),
 * progress deadline, and status.phase / status.message computed like the real controller
 * (rolloututil.CalculateRolloutPhase). An `analysis` step runs an AnalysisRun (./analysis.ts) and waits
 * for it; a run that fails aborts the update with the run's message, as the real controller does. The blue-green strategy is not simulated: such rollouts get
 * an InvalidSpec condition saying so.
 */
import type { Controller, Runtime } from '../runtime';
import { formatSelector } from '../selectors';
import { clone, computeTemplateHash, deepEqual, parseGoDuration, rfc3339, type KubeObject } from '../util';
import { ensureStepAnalysisRun, type AnalysisRules } from './analysis';
import { controllerOf, controllerRef, getCondition, isOwnedBy, newCondition, setCondition, statusChanged, withLabel, type Condition } from './common';

const SOURCE = { component: 'rollouts-controller' };
const HASH_LABEL = 'rollouts-pod-template-hash';
const REVISION = 'rollout.argoproj.io/revision';
const DESIRED_REPLICAS = 'rollout.argoproj.io/desired-replicas';

interface CanaryStep {
  setWeight?: number;
  pause?: { duration?: string | number };
  [other: string]: unknown;
}

interface RolloutStatus {
  observedGeneration?: string;
  phase?: string;
  message?: string;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  HPAReplicas?: number;
  selector?: string;
  currentPodHash?: string;
  currentStepHash?: string;
  currentStepIndex?: number;
  stableRS?: string;
  abort?: boolean;
  abortedAt?: string;
  promoteFull?: boolean;
  controllerPause?: boolean;
  pauseConditions?: Array<{ reason: string; startTime: string }> | null;
  conditions?: Condition[];
  canary?: { weights?: { canary: { podTemplateHash: string; weight: number }; stable: { podTemplateHash: string; weight: number } } };
  blueGreen?: Record<string, unknown>;
}

function replicasOf(rs: KubeObject | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export class RolloutController implements Controller {
  readonly name = 'argo-rollouts';
  private readonly lastProgress = new Map<string, { at: number; fingerprint: string }>();
  /** precise start of the current pause per rollout uid (pauseConditions carry second precision only) */
  private readonly pausedAt = new Map<string, number>();

  constructor(
    private readonly rt: Runtime,
    private readonly analysisRules?: AnalysisRules,
  ) {
    rt.store.subscribe((ev) => {
      const o = ev.object;
      if (ev.rt.resource === 'analysisruns') {
        const owner = controllerOf(o);
        if (owner?.kind === 'Rollout' && ev.type !== 'DELETED') this.rt.enqueue(this, o.metadata.namespace, owner.name);
      } else if (ev.rt.resource === 'rollouts') {
        if (ev.type === 'DELETED') this.lastProgress.delete(o.metadata.uid ?? '');
        else this.rt.enqueue(this, o.metadata.namespace, o.metadata.name ?? '');
      } else if (ev.rt.resource === 'replicasets') {
        const owner = controllerOf(o);
        if (owner?.kind === 'Rollout') this.rt.enqueue(this, o.metadata.namespace, owner.name);
      }
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const ro = this.rt.store.tryGet('rollouts', namespace, name);
    if (!ro || ro.metadata.deletionTimestamp) return;
    const status: RolloutStatus = clone(ro.status ?? {});
    const canary = ro.spec?.strategy?.canary;
    if (!canary) {
      setCondition(status, newCondition('InvalidSpec', 'True', 'InvalidSpec', 'kubesim simulates the canary strategy only'));
      status.observedGeneration = String(ro.metadata.generation ?? 1);
      [status.phase, status.message] = calculatePhase(ro, status);
      this.writeStatus(ro, status);
      return;
    }
    const steps: CanaryStep[] = Array.isArray(canary.steps) ? canary.steps : [];
    const replicas: number = ro.spec.replicas ?? 1;
    const routed = !!canary.trafficRouting;
    const hash = computeTemplateHash(ro.spec.template);
    let rsList = this.ownedReplicaSets(ro);
    let newRS = rsList.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    if (!newRS) {
      newRS = this.createReplicaSet(ro, hash, rsList);
      rsList = [...rsList, newRS];
    }
    const revision = newRS.metadata.annotations?.[REVISION] ?? '1';

    // a new pod template starts the steps again
    if (status.currentPodHash !== hash) {
      status.currentPodHash = hash;
      status.currentStepIndex = status.stableRS ? 0 : steps.length;
      delete status.abort;
      delete status.abortedAt;
      status.pauseConditions = null;
      status.controllerPause = false;
      delete status.promoteFull;
      if (status.stableRS) this.rt.events.record(ro, { type: 'Normal', reason: 'RolloutUpdated', message: `Rollout updated to revision ${revision}`, source: SOURCE });
    }
    if (!steps.length) delete status.currentStepIndex;
    status.currentStepHash = computeTemplateHash(steps);
    const stableHash = status.stableRS ?? '';
    const stableRS = rsList.find((rs) => rs.metadata.labels?.[HASH_LABEL] === stableHash && rs !== newRS);
    const others = rsList.filter((rs) => rs !== newRS && rs !== stableRS);
    let weight = 100;

    if (!stableHash || stableHash === hash) {
      // first revision, or back on the stable template: everything at 100% on it
      this.scale(ro, newRS, replicas, revision);
      for (const rs of [...others, ...(stableRS ? [stableRS] : [])]) this.scale(ro, rs, 0);
      if (this.available(newRS) >= replicas && !stableHash) status.stableRS = hash;
      if (steps.length) status.currentStepIndex = steps.length;
      delete status.abort;
      delete status.abortedAt;
    } else if (status.abort) {
      weight = 0;
      if (!status.abortedAt) {
        status.abortedAt = rfc3339();
        this.rt.events.record(ro, { type: 'Warning', reason: 'RolloutAborted', message: `Rollout aborted update to revision ${revision}`, source: SOURCE });
      }
      status.pauseConditions = null;
      status.controllerPause = false;
      if (stableRS) this.scale(ro, stableRS, replicas);
      this.scale(ro, newRS, 0, revision);
      for (const rs of others) this.scale(ro, rs, 0);
    } else {
      if (status.abortedAt) {
        // `kubectl argo rollouts retry`: abort cleared, the steps run again
        delete status.abortedAt;
        status.currentStepIndex = 0;
      }
      for (const rs of others) this.scale(ro, rs, 0);
      if (status.promoteFull) status.currentStepIndex = steps.length;
      const paused = Array.isArray(status.pauseConditions) && status.pauseConditions.length > 0;
      if (status.controllerPause && !paused) {
        // the pause conditions were cleared (promote): the pause step is done
        status.controllerPause = false;
        status.currentStepIndex = Math.min((status.currentStepIndex ?? 0) + 1, steps.length);
        this.rt.events.record(ro, { type: 'Normal', reason: 'RolloutResumed', message: 'Rollout is resumed', source: SOURCE });
      }
      if (!ro.spec.paused) weight = this.runSteps(ro, status, steps, newRS, stableRS, replicas, routed, revision);
      else weight = currentSetWeight(steps, status);
    }

    if (routed) {
      status.canary = {
        weights: {
          canary: { podTemplateHash: hash, weight: stableHash === hash || !stableHash ? 0 : weight },
          stable: { podTemplateHash: status.stableRS ?? hash, weight: stableHash === hash || !stableHash ? 100 : 100 - weight },
        },
      };
    } else {
      status.canary = {};
    }
    this.fillStatus(ro, status, newRS, revision);
    this.writeStatus(ro, status);
  }

  /** Executes steps from currentStepIndex as far as the pods allow; returns the current canary weight. */
  private runSteps(ro: KubeObject, status: RolloutStatus, steps: CanaryStep[], newRS: KubeObject, stableRS: KubeObject | undefined, replicas: number, routed: boolean, revision: string): number {
    for (;;) {
      const index = status.currentStepIndex ?? steps.length;
      if (index >= steps.length) {
        this.scale(ro, newRS, replicas, revision);
        if (this.available(newRS) >= replicas) {
          if (stableRS) this.scale(ro, stableRS, 0);
          if (status.stableRS !== status.currentPodHash) {
            status.stableRS = status.currentPodHash;
            this.rt.events.record(ro, {
              type: 'Normal',
              reason: 'RolloutCompleted',
              message: `Rollout completed update to revision ${revision} (${status.currentPodHash}): Completed all ${steps.length} canary steps`,
              source: SOURCE,
            });
          }
        }
        return 100;
      }
      const step = steps[index]!;
      if (typeof step.setWeight === 'number') {
        const w = step.setWeight;
        const canaryTarget = Math.ceil((replicas * w) / 100);
        const stableTarget = routed ? replicas : Math.ceil((replicas * (100 - w)) / 100);
        this.scale(ro, newRS, canaryTarget, revision);
        const canaryReady = this.available(newRS) >= canaryTarget;
        if (canaryReady && stableRS) this.scale(ro, stableRS, stableTarget);
        const stableSettled = !stableRS || (replicasOf(stableRS) === stableTarget && (stableRS.status?.replicas ?? 0) === stableTarget);
        if (!canaryReady || !stableSettled) return w;
        this.stepCompleted(ro, index, steps, `setWeight: ${w}`);
        status.currentStepIndex = index + 1;
        continue;
      }
      if (step.pause !== undefined) {
        const conditions = Array.isArray(status.pauseConditions) ? status.pauseConditions : [];
        const durationMs = parseGoDuration(step.pause?.duration);
        if (!status.controllerPause) {
          status.pauseConditions = [{ reason: 'CanaryPauseStep', startTime: rfc3339() }];
          status.controllerPause = true;
          this.rt.events.record(ro, { type: 'Normal', reason: 'RolloutPaused', message: 'Rollout is paused (CanaryPauseStep)', source: SOURCE });
          if (durationMs !== undefined) this.rt.enqueueAfter(this, ro.metadata.namespace, ro.metadata.name ?? '', this.rt.seconds(durationMs / 1000) + 1);
          this.pausedAt.set(ro.metadata.uid ?? '', Date.now());
          return currentSetWeight(steps, status);
        }
        if (durationMs !== undefined && conditions.length > 0) {
          const since = this.pausedAt.get(ro.metadata.uid ?? '') ?? Date.parse(conditions[0]!.startTime);
          if (Date.now() - since >= this.rt.seconds(durationMs / 1000)) {
            status.pauseConditions = null;
            status.controllerPause = false;
            this.stepCompleted(ro, index, steps, `pause: ${step.pause?.duration}`);
            status.currentStepIndex = index + 1;
            continue;
          }
        }
        return currentSetWeight(steps, status);
      }
      if (step.analysis !== undefined && this.analysisRules) {
        const run = ensureStepAnalysisRun(this.rt, ro, index, step.analysis as { templates?: Array<{ templateName?: string }> }, revision, status.currentPodHash ?? '');
        const phase: string | undefined = run.status?.phase;
        if (phase === 'Successful') {
          this.stepCompleted(ro, index, steps, `analysis: ${run.metadata.name}`);
          status.currentStepIndex = index + 1;
          continue;
        }
        if (phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive') {
          // rollout/analysis.go: the update is aborted with the run's message
          status.abort = true;
          setCondition(status, newCondition('Progressing', 'False', 'RolloutAborted', `Rollout aborted update to revision ${revision}: ${run.status?.message ?? `AnalysisRun ${run.metadata.name} ${phase}`}`));
          this.rt.enqueue(this, ro.metadata.namespace, ro.metadata.name ?? '');
        }
        return currentSetWeight(steps, status);
      }
      // experiment and other steps complete at once in the simulator
      this.stepCompleted(ro, index, steps, Object.keys(step)[0] ?? 'step');
      status.currentStepIndex = index + 1;
    }
  }

  private stepCompleted(ro: KubeObject, index: number, steps: CanaryStep[], what: string): void {
    this.rt.events.record(ro, { type: 'Normal', reason: 'RolloutStepCompleted', message: `Rollout step ${index + 1}/${steps.length} completed (${what})`, source: SOURCE });
  }

  private ownedReplicaSets(ro: KubeObject): KubeObject[] {
    return this.rt.store.select('replicasets', { namespace: ro.metadata.namespace }).filter((rs) => isOwnedBy(rs, ro));
  }

  private available(rs: KubeObject): number {
    const fresh = this.rt.store.tryGet('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
    return fresh?.status?.availableReplicas ?? 0;
  }

  private createReplicaSet(ro: KubeObject, hash: string, existing: KubeObject[]): KubeObject {
    const revision = existing.reduce((m, rs) => Math.max(m, Number(rs.metadata.annotations?.[REVISION] ?? 0)), 0) + 1;
    const template = clone(ro.spec.template ?? {});
    template.metadata = template.metadata ?? {};
    template.metadata.labels = withLabel(template.metadata.labels, HASH_LABEL, hash);
    const selector = clone(ro.spec.selector ?? {});
    selector.matchLabels = withLabel(selector.matchLabels, HASH_LABEL, hash);
    const created = this.rt.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${ro.metadata.name}-${hash}`,
        namespace: ro.metadata.namespace,
        labels: clone(template.metadata.labels),
        annotations: { [REVISION]: String(revision), [DESIRED_REPLICAS]: String(ro.spec.replicas ?? 1) },
        ownerReferences: [controllerRef(ro)],
      },
      spec: { replicas: 0, minReadySeconds: ro.spec.minReadySeconds ?? 0, selector, template },
    });
    this.rt.events.record(ro, { type: 'Normal', reason: 'NewReplicaSetCreated', message: `Created ReplicaSet ${created.metadata.name} (revision ${revision})`, source: SOURCE });
    return created;
  }

  private scale(ro: KubeObject, rs: KubeObject, replicas: number, revision?: string): void {
    const fresh = this.rt.store.tryGet('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
    if (!fresh || replicasOf(fresh) === replicas) {
      if (fresh) Object.assign(rs, fresh);
      return;
    }
    const from = replicasOf(fresh);
    fresh.spec.replicas = replicas;
    Object.assign(rs, this.rt.store.update('replicasets', fresh.metadata.namespace, fresh.metadata.name ?? '', fresh));
    const rev = revision ?? fresh.metadata.annotations?.[REVISION] ?? '';
    this.rt.events.record(ro, {
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${replicas > from ? 'up' : 'down'} ReplicaSet ${fresh.metadata.name} (revision ${rev}) from ${from} to ${replicas}`,
      source: SOURCE,
    });
  }

  private fillStatus(ro: KubeObject, status: RolloutStatus, newRS: KubeObject, revision: string): void {
    const all = this.ownedReplicaSets(ro);
    const fresh = all.find((rs) => rs.metadata.uid === newRS.metadata.uid);
    const sum = (f: (rs: KubeObject) => number) => all.reduce((n, rs) => n + f(rs), 0);
    status.replicas = sum((rs) => rs.status?.replicas ?? 0);
    status.updatedReplicas = fresh?.status?.replicas ?? 0;
    status.readyReplicas = sum((rs) => rs.status?.readyReplicas ?? 0);
    status.availableReplicas = sum((rs) => rs.status?.availableReplicas ?? 0);
    status.HPAReplicas = status.replicas;
    status.selector = formatSelector(ro.spec.selector).replace('<none>', '');
    status.observedGeneration = String(ro.metadata.generation ?? 1);
    const replicas: number = ro.spec.replicas ?? 1;
    const rsName = fresh?.metadata.name ?? newRS.metadata.name;
    const paused = ro.spec.paused === true || (Array.isArray(status.pauseConditions) && status.pauseConditions.length > 0);
    const complete = status.stableRS === status.currentPodHash && (status.availableReplicas ?? 0) >= replicas && status.updatedReplicas === replicas;

    setCondition(status, (status.availableReplicas ?? 0) >= replicas
      ? newCondition('Available', 'True', 'AvailableReason', 'Rollout has minimum availability')
      : newCondition('Available', 'False', 'AvailableReason', 'Rollout does not have minimum availability'));
    setCondition(status, paused ? newCondition('Paused', 'True', 'RolloutPaused', 'Rollout is paused') : newCondition('Paused', 'False', 'RolloutResumed', 'Rollout is resumed'));
    setCondition(status, complete
      ? newCondition('Completed', 'True', 'RolloutCompleted', 'Rollout completed update to revision ' + revision + ' (' + status.currentPodHash + '): Rollout is fully promoted')
      : newCondition('Completed', 'False', 'RolloutCompleted', 'Rollout not completed, started update to revision ' + revision + ' (' + status.currentPodHash + ')'));
    setCondition(status, complete ? newCondition('Healthy', 'True', 'RolloutHealthy', 'Rollout is healthy') : newCondition('Healthy', 'False', 'RolloutHealthy', 'Rollout is not healthy'));

    // Progressing, with the progress deadline
    const uid = ro.metadata.uid ?? '';
    const fingerprint = JSON.stringify([status.currentPodHash, status.currentStepIndex, status.updatedReplicas, status.readyReplicas, status.availableReplicas, status.replicas]);
    const last = this.lastProgress.get(uid);
    const now = Date.now();
    if (!last || last.fingerprint !== fingerprint) this.lastProgress.set(uid, { at: now, fingerprint });
    const deadline = this.rt.seconds(ro.spec.progressDeadlineSeconds ?? 600);
    if (status.abort) {
      setCondition(status, newCondition('Progressing', 'False', 'RolloutAborted', `Rollout aborted update to revision ${revision}`));
    } else if (complete) {
      setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`));
    } else if (paused) {
      setCondition(status, newCondition('Progressing', 'Unknown', 'RolloutPaused', 'Rollout is paused'));
    } else if (getCondition(status, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && last?.fingerprint === fingerprint) {
      // stays timed out until something moves
    } else if (last && last.fingerprint === fingerprint && now - last.at > deadline) {
      setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`));
    } else {
      const created = getCondition(status, 'Progressing')?.reason === 'NewReplicaSetCreated' && last?.fingerprint === fingerprint;
      if (!created) setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`));
      const remaining = (this.lastProgress.get(uid)?.at ?? now) + deadline - now;
      this.rt.enqueueAfter(this, ro.metadata.namespace, ro.metadata.name ?? '', Math.max(0, remaining) + 1);
    }
    [status.phase, status.message] = calculatePhase(ro, status);
  }

  private writeStatus(ro: KubeObject, status: RolloutStatus): void {
    const annotations = { ...(ro.metadata.annotations ?? {}) };
    const rs = this.ownedReplicaSets(ro).find((r) => r.metadata.labels?.[HASH_LABEL] === status.currentPodHash);
    const rev = rs?.metadata.annotations?.[REVISION];
    if (rev) annotations[REVISION] = rev;
    if (!statusChanged(ro.status, status) && deepEqual(annotations, ro.metadata.annotations ?? {})) return;
    const next = clone(ro);
    next.status = status;
    next.metadata.annotations = annotations;
    this.rt.store.update('rollouts', ro.metadata.namespace, ro.metadata.name ?? '', next, { subresource: 'status' });
  }
}

/** replicasetutil.GetCurrentSetWeight */
function currentSetWeight(steps: CanaryStep[], status: RolloutStatus): number {
  if (status.abort) return 0;
  const index = status.currentStepIndex ?? 0;
  if (!steps.length || index >= steps.length) return 100;
  for (let i = index; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (typeof w === 'number') return w;
  }
  return 0;
}

/** rolloututil.CalculateRolloutPhase, as the controller computes status.phase / status.message. */
function calculatePhase(ro: KubeObject, status: RolloutStatus): [string, string] {
  for (const c of status.conditions ?? []) {
    if (c.type === 'InvalidSpec') return ['Degraded', `InvalidSpec: ${c.message ?? ''}`];
    if (c.reason === 'RolloutAborted' || c.reason === 'ProgressDeadlineExceeded') return ['Degraded', `${c.reason}: ${c.message ?? ''}`];
  }
  if (ro.spec?.paused) return ['Paused', 'manually paused'];
  const pause = Array.isArray(status.pauseConditions) ? status.pauseConditions[0] : undefined;
  if (pause) return ['Paused', pause.reason];
  const replicas: number = ro.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < replicas) return ['Progressing', 'more replicas need to be updated'];
  if ((status.availableReplicas ?? 0) < updated) return ['Progressing', 'updated replicas are still becoming available'];
  if (!ro.spec?.strategy?.canary?.trafficRouting && (status.replicas ?? 0) > updated) return ['Progressing', 'old replicas are pending termination'];
  if (!status.stableRS || status.stableRS !== status.currentPodHash) return ['Progressing', 'waiting for all steps to complete'];
  return ['Healthy', ''];
}
