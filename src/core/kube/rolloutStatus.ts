/**
 * `kubectl rollout status` without kubectl: the verdict kubectl prints for a Deployment, StatefulSet or
 * DaemonSet, and the verdict `kubectl argo rollouts status` prints for an Argo Rollout.
 *
 * Ported from kubectl's `pkg/polymorphichelpers/rollout_status.go` (Deployment, DaemonSet, StatefulSet)
 * (Flux Kustomizations and HelmReleases: ./flux's kstatus readiness) and from Argo Rollouts' `utils/rollout/rolloututil.go` (GetRolloutPhase / CalculateRolloutPhase)
 * and `utils/replicaset/canary.go` (current canary step and set weight). Works on plain JSON as the API
 * server returns it; no Kubernetes client library is involved.
 *
 * Mapping to kubectl's outcome:
 *   - kubectl prints a status and treats it as done        -> state 'done'
 *   - kubectl prints a status and keeps watching           -> state 'progressing'
 *   - kubectl stops with `error: <message>` (exit code 1)  -> state 'failed' (message without `error: `)
 * Messages are kubectl's lines without the trailing newline.
 *
 * Objects read from an API server are always defaulted (spec.replicas, update strategies). Objects read
 * from a file may not be, so the API server's defaults are applied first: the verdict is the one kubectl
 * would give once the object went through the API server.
 */
import { inputError } from '../errors';
import { FLUX_GROUPS, fluxVerdict } from './flux';
import type { KubeObject as FluxObject } from './resources';

export type RolloutState = 'done' | 'progressing' | 'failed';

export interface CanaryProgress {
  /** status.currentStepIndex: the index of the step being executed (== steps when all are done) */
  step: number;
  /** number of canary steps in the spec */
  steps: number;
  /** canary traffic weight in percent: status.canary.weights when traffic routing reports it, else the set weight */
  weight?: number;
  /** true while the rollout is paused (spec.paused or a pause condition) */
  paused: boolean;
}

export interface RolloutVerdict {
  state: RolloutState;
  /** what kubectl prints (or the error it exits with) */
  message: string;
  /** ready pods (readyReplicas / numberReady) */
  ready?: number;
  /** desired pods (spec.replicas / desiredNumberScheduled) */
  desired?: number;
  /** pods on the new template (updatedReplicas / updatedNumberScheduled) */
  updated?: number;
  /** Argo Rollouts canary progress */
  canary?: CanaryProgress;
}

export interface RolloutStatusOptions {
  /** like `kubectl rollout status --revision=N`: fail when the Deployment's revision is another one */
  revision?: number;
}

/* Minimal shapes of the objects read here. Every field is optional: input is untrusted JSON. */

interface ObjectMeta {
  name?: string;
  namespace?: string;
  generation?: number;
  annotations?: Record<string, string>;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** A workload as read here: the API's KubeObject (resources.ts) before anything about it is checked. */
interface UntrustedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

interface DeploymentSpec {
  replicas?: number;
}
interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: Condition[];
}

interface StatefulSetSpec {
  replicas?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } | null };
}
interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
}

interface DaemonSetSpec {
  updateStrategy?: { type?: string };
}
interface DaemonSetStatus {
  observedGeneration?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  numberAvailable?: number;
  updatedNumberScheduled?: number;
}

interface CanaryStep {
  setWeight?: number;
  pause?: unknown;
  [other: string]: unknown;
}
interface RolloutSpec {
  replicas?: number;
  paused?: boolean;
  restartAt?: string;
  strategy?: {
    canary?: { steps?: CanaryStep[]; trafficRouting?: unknown } | null;
    blueGreen?: { postPromotionAnalysis?: unknown } | null;
  };
}
interface RolloutStatus {
  observedGeneration?: string | number;
  phase?: string;
  message?: string;
  abort?: boolean;
  controllerPause?: boolean;
  pauseConditions?: Array<{ reason?: string; startTime?: string }> | null;
  restartedAt?: string;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentPodHash?: string;
  stableRS?: string;
  currentStepIndex?: number;
  conditions?: Condition[];
  canary?: { weights?: { canary?: { weight?: number } } };
  blueGreen?: { activeSelector?: string; postPromotionAnalysisRunStatus?: { status?: string } | null };
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** deploymentutil.TimedOutReason */
const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
/** Argo Rollouts conditions.RolloutAbortedReason / conditions.TimedOutReason */
const ROLLOUT_ABORTED_REASON = 'RolloutAborted';

/** The verdict kubectl gives for a Deployment, StatefulSet, DaemonSet or Argo Rollout object. */
export function rolloutStatus(obj: unknown, opts: RolloutStatusOptions = {}): RolloutVerdict {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw inputError('rollout-status-not-object', 'Rollout status needs a Kubernetes object (a JSON object with kind and apiVersion).');
  }
  const o = obj as UntrustedObject;
  const group = apiGroup(o.apiVersion);
  switch (o.kind) {
    case 'Deployment':
      if (group === 'apps' || group === 'extensions') return deploymentStatus(o, opts.revision ?? 0);
      break;
    case 'StatefulSet':
      if (group === 'apps') return statefulSetStatus(o);
      break;
    case 'DaemonSet':
      if (group === 'apps' || group === 'extensions') return daemonSetStatus(o);
      break;
    case 'Rollout':
      if (group === 'argoproj.io') return argoRolloutStatus(o);
      break;
    case 'Kustomization':
    case 'HelmRelease':
      if (group === FLUX_GROUPS[o.kind]) return fluxVerdict(o as unknown as FluxObject);
      break;
  }
  const what = o.kind ? `${o.kind}${o.apiVersion ? ` (${o.apiVersion})` : ''}` : 'an object without a kind';
  throw inputError('rollout-status-unsupported-kind', `No rollout status for ${what}.`, {
    hint: 'Rollout status is available for Deployment, StatefulSet and DaemonSet (apps/v1), Argo Rollouts Rollout (argoproj.io/v1alpha1) and Flux Kustomization / HelmRelease',
  });
}

function apiGroup(apiVersion: string | undefined): string | undefined {
  if (!apiVersion) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function optNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function record<T>(v: unknown): T {
  return (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {}) as T;
}

function conditions(v: unknown): Condition[] {
  return Array.isArray(v) ? v.filter((c): c is Condition => c !== null && typeof c === 'object') : [];
}

/** Go's %q for the names printed here (plain ASCII names in practice). */
function q(s: string): string {
  return JSON.stringify(s);
}

function metaName(o: UntrustedObject): string {
  return typeof o.metadata?.name === 'string' ? o.metadata.name : '';
}

// ── Deployment ──────────────────────────────────────────────────────────────────────────────────────

function deploymentStatus(o: UntrustedObject, revision: number): RolloutVerdict {
  const name = metaName(o);
  const spec = record<DeploymentSpec>(o.spec);
  const status = record<DeploymentStatus>(o.status);
  // the API server defaults spec.replicas to 1
  const desired = optNum(spec.replicas) ?? 1;
  const counts = { ready: num(status.readyReplicas), desired, updated: num(status.updatedReplicas) };

  if (revision > 0) {
    const raw = o.metadata?.annotations?.[REVISION_ANNOTATION];
    let running = 0;
    if (raw !== undefined) {
      if (!/^[+-]?\d+$/.test(raw)) {
        return { state: 'failed', message: `cannot get the revision of deployment ${q(name)}: strconv.ParseInt: parsing ${q(raw)}: invalid syntax`, ...counts };
      }
      running = Number(raw);
    }
    if (revision !== running) {
      return { state: 'failed', message: `desired revision (${revision}) is different from the running revision (${running})`, ...counts };
    }
  }

  if (num(o.metadata?.generation) <= num(status.observedGeneration)) {
    const progressing = conditions(status.conditions).find((c) => c.type === 'Progressing');
    if (progressing?.reason === TIMED_OUT_REASON) {
      return { state: 'failed', message: `deployment ${q(name)} exceeded its progress deadline`, ...counts };
    }
    const updated = num(status.updatedReplicas);
    const replicas = num(status.replicas);
    const available = num(status.availableReplicas);
    if (updated < desired) {
      return { state: 'progressing', message: `Waiting for deployment ${q(name)} rollout to finish: ${updated} out of ${desired} new replicas have been updated...`, ...counts };
    }
    if (replicas > updated) {
      return { state: 'progressing', message: `Waiting for deployment ${q(name)} rollout to finish: ${replicas - updated} old replicas are pending termination...`, ...counts };
    }
    if (available < updated) {
      return { state: 'progressing', message: `Waiting for deployment ${q(name)} rollout to finish: ${available} of ${updated} updated replicas are available...`, ...counts };
    }
    return { state: 'done', message: `deployment ${q(name)} successfully rolled out`, ...counts };
  }
  return { state: 'progressing', message: 'Waiting for deployment spec update to be observed...', ...counts };
}

// ── DaemonSet ───────────────────────────────────────────────────────────────────────────────────────

function daemonSetStatus(o: UntrustedObject): RolloutVerdict {
  const name = metaName(o);
  const spec = record<DaemonSetSpec>(o.spec);
  const status = record<DaemonSetStatus>(o.status);
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  const counts = { ready: num(status.numberReady), desired, updated };
  // the API server defaults an empty strategy type to RollingUpdate
  const type = spec.updateStrategy?.type || 'RollingUpdate';
  if (type !== 'RollingUpdate') {
    // kubectl exits with this error (its text names the StatefulSet constant, whose value is the same)
    return { state: 'failed', message: 'rollout status is only available for RollingUpdate strategy type', ...counts };
  }
  if (num(o.metadata?.generation) <= num(status.observedGeneration)) {
    if (updated < desired) {
      return { state: 'progressing', message: `Waiting for daemon set ${q(name)} rollout to finish: ${updated} out of ${desired} new pods have been updated...`, ...counts };
    }
    if (available < desired) {
      return { state: 'progressing', message: `Waiting for daemon set ${q(name)} rollout to finish: ${available} of ${desired} updated pods are available...`, ...counts };
    }
    return { state: 'done', message: `daemon set ${q(name)} successfully rolled out`, ...counts };
  }
  return { state: 'progressing', message: 'Waiting for daemon set spec update to be observed...', ...counts };
}

// ── StatefulSet ─────────────────────────────────────────────────────────────────────────────────────

function statefulSetStatus(o: UntrustedObject): RolloutVerdict {
  const spec = record<StatefulSetSpec>(o.spec);
  const status = record<StatefulSetStatus>(o.status);
  const desired = optNum(spec.replicas) ?? 1;
  const ready = num(status.readyReplicas);
  const updated = num(status.updatedReplicas);
  const counts = { ready, desired, updated };

  // API server defaulting (SetDefaults_StatefulSet): an empty type becomes RollingUpdate with a
  // rollingUpdate block; a rollingUpdate block without a partition gets partition 0. An explicit
  // RollingUpdate without a rollingUpdate block stays without one.
  let type = spec.updateStrategy?.type || '';
  let rollingUpdate = spec.updateStrategy?.rollingUpdate ?? undefined;
  if (type === '') {
    type = 'RollingUpdate';
    rollingUpdate ??= {};
  }
  let partition: number | undefined;
  if (type === 'RollingUpdate' && rollingUpdate) partition = optNum(rollingUpdate.partition) ?? 0;

  if (type !== 'RollingUpdate') {
    return { state: 'failed', message: 'rollout status is only available for RollingUpdate strategy type', ...counts };
  }
  const observed = num(status.observedGeneration);
  if (observed === 0 || num(o.metadata?.generation) > observed) {
    return { state: 'progressing', message: 'Waiting for statefulset spec update to be observed...', ...counts };
  }
  if (ready < desired) {
    return { state: 'progressing', message: `Waiting for ${desired - ready} pods to be ready...`, ...counts };
  }
  if (rollingUpdate) {
    if (partition !== undefined && updated < desired - partition) {
      return { state: 'progressing', message: `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`, ...counts };
    }
    return { state: 'done', message: `partitioned roll out complete: ${updated} new pods have been updated...`, ...counts };
  }
  const updateRevision = status.updateRevision ?? '';
  const currentRevision = status.currentRevision ?? '';
  if (updateRevision !== currentRevision) {
    return { state: 'progressing', message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`, ...counts };
  }
  return { state: 'done', message: `statefulset rolling update complete ${num(status.currentReplicas)} pods at revision ${currentRevision}...`, ...counts };
}

// ── Argo Rollouts ───────────────────────────────────────────────────────────────────────────────────

type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | string;

function argoRolloutStatus(o: UntrustedObject): RolloutVerdict {
  const spec = record<RolloutSpec>(o.spec);
  const status = record<RolloutStatus>(o.status);
  const desired = optNum(spec.replicas) ?? 1;
  const [phase, detail] = rolloutPhase(num(o.metadata?.generation), spec, status);
  // `kubectl argo rollouts status` prints "<phase> - <message>", or the phase alone without a message,
  // stops on Healthy (exit 0) and Degraded (exit 1: "The rollout is in a degraded state with message: ...").
  const message = detail ? `${phase} - ${detail}` : phase;
  const state: RolloutState = phase === 'Healthy' ? 'done' : phase === 'Degraded' ? 'failed' : 'progressing';
  const verdict: RolloutVerdict = {
    state,
    message,
    ready: num(status.readyReplicas),
    desired,
    updated: num(status.updatedReplicas),
  };
  const canary = spec.strategy?.canary;
  if (canary) {
    const steps = Array.isArray(canary.steps) ? canary.steps : [];
    const paused = spec.paused === true || (Array.isArray(status.pauseConditions) && status.pauseConditions.length > 0);
    const routed = optNum(status.canary?.weights?.canary?.weight);
    const step = steps.length > 0 ? Math.min(optNum(status.currentStepIndex) ?? 0, steps.length) : 0;
    verdict.canary = { step, steps: steps.length, weight: routed ?? currentSetWeight(steps, status), paused };
  }
  return verdict;
}

/** GetRolloutPhase: the controller's phase once the spec has been observed, else a client-side one. */
function rolloutPhase(generation: number, spec: RolloutSpec, status: RolloutStatus): [RolloutPhase, string] {
  // isGenerationObserved: observedGeneration is a numeric string in v0.10+ (a hash before, always "observed")
  const observedRaw = status.observedGeneration;
  const observed = typeof observedRaw === 'number' ? observedRaw : typeof observedRaw === 'string' && /^[+-]?\d+$/.test(observedRaw) ? Number(observedRaw) : undefined;
  if (observed !== undefined && observed < generation) {
    return ['Progressing', 'waiting for rollout spec update to be observed'];
  }
  // IsUnpausing: the user cleared the pause conditions, the controller has not reacted yet
  const pauseConditions = Array.isArray(status.pauseConditions) ? status.pauseConditions : [];
  if (status.controllerPause === true && pauseConditions.length === 0) {
    return ['Progressing', 'waiting for rollout to unpause'];
  }
  if (typeof status.phase === 'string' && status.phase !== '') {
    return [status.phase, typeof status.message === 'string' ? status.message : ''];
  }
  return calculateRolloutPhase(spec, status, pauseConditions);
}

/** CalculateRolloutPhase: what Rollouts v0.10 and older left for clients to compute. */
function calculateRolloutPhase(spec: RolloutSpec, status: RolloutStatus, pauseConditions: Array<{ reason?: string }>): [RolloutPhase, string] {
  for (const c of conditions(status.conditions)) {
    if (c.type === 'InvalidSpec') return ['Degraded', `InvalidSpec: ${c.message ?? ''}`];
    if (c.reason === ROLLOUT_ABORTED_REASON || c.reason === TIMED_OUT_REASON) return ['Degraded', `${c.reason}: ${c.message ?? ''}`];
  }
  if (spec.paused === true) return ['Paused', 'manually paused'];
  if (pauseConditions.length > 0) return ['Paused', pauseConditions[0]?.reason ?? ''];
  if (spec.restartAt && (!status.restartedAt || Date.parse(spec.restartAt) !== Date.parse(status.restartedAt))) {
    return ['Progressing', 'rollout is restarting'];
  }
  const desired = optNum(spec.replicas) ?? 1;
  const updated = num(status.updatedReplicas);
  if (updated < desired) return ['Progressing', 'more replicas need to be updated'];
  if (num(status.availableReplicas) < updated) return ['Progressing', 'updated replicas are still becoming available'];
  const stable = status.stableRS ?? '';
  const fullyPromoted = stable === (status.currentPodHash ?? '');
  if (spec.strategy?.blueGreen) {
    const active = status.blueGreen?.activeSelector ?? '';
    if (active === '' || active !== (status.currentPodHash ?? '')) return ['Progressing', 'active service cutover pending'];
    if (stable === '' || !fullyPromoted) {
      const run = status.blueGreen?.postPromotionAnalysisRunStatus;
      const completed = ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(run?.status ?? '');
      if (spec.strategy.blueGreen.postPromotionAnalysis && !completed) return ['Progressing', 'waiting for analysis to complete'];
      return ['Progressing', 'waiting for post-promotion verification to complete'];
    }
  } else if (spec.strategy?.canary) {
    if (!spec.strategy.canary.trafficRouting && num(status.replicas) > updated) {
      return ['Progressing', 'old replicas are pending termination'];
    }
    if (stable === '' || !fullyPromoted) return ['Progressing', 'waiting for all steps to complete'];
  }
  return ['Healthy', ''];
}

/** GetCurrentSetWeight: the setWeight of the current step or the closest one before it; 100 after the last step, 0 when aborted. */
function currentSetWeight(steps: CanaryStep[], status: RolloutStatus): number {
  if (status.abort === true) return 0;
  if (steps.length === 0) return 100;
  const index = optNum(status.currentStepIndex) ?? 0;
  if (index >= steps.length) return 100;
  for (let i = index; i >= 0; i--) {
    const w = optNum(steps[i]?.setWeight);
    if (w !== undefined) return w;
  }
  return 0;
}

