import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { rolloutStatus, type RolloutVerdict } from '../../../src/core/kube/rolloutStatus';

type Json = Record<string, unknown>;

/** A Deployment as the API server returns it (defaulted), with the given generation and status. */
function deployment(opts: { name?: string; replicas?: number; generation?: number; revision?: string; status?: Json; omitReplicas?: boolean }): Json {
  const spec: Json = {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    progressDeadlineSeconds: 600,
  };
  if (!opts.omitReplicas) spec.replicas = opts.replicas ?? 3;
  const annotations: Json = {};
  if (opts.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = opts.revision;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name ?? 'web', namespace: 'dev', generation: opts.generation ?? 2, annotations },
    spec,
    status: opts.status ?? {},
  };
}

const progressing = (reason: string, status = 'True') => ({ type: 'Progressing', status, reason, message: '' });
const available = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' };

function pick(v: RolloutVerdict): Pick<RolloutVerdict, 'state' | 'message'> {
  return { state: v.state, message: v.message };
}

describe('rolloutStatus: Deployment (kubectl DeploymentStatusViewer)', () => {
  const cases: Array<{ name: string; obj: Json; opts?: { revision?: number }; state: RolloutVerdict['state']; message: string }> = [
    {
      name: 'spec change not yet observed',
      obj: deployment({ generation: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
      state: 'progressing',
      message: 'Waiting for deployment spec update to be observed...',
    },
    {
      name: 'new replicas being created',
      obj: deployment({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, conditions: [available, progressing('ReplicaSetUpdated')] } }),
      state: 'progressing',
      message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    },
    {
      name: 'updatedReplicas missing (omitempty 0) counts as 0',
      obj: deployment({ status: { observedGeneration: 2, replicas: 3, conditions: [progressing('NewReplicaSetCreated')] } }),
      state: 'progressing',
      message: 'Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...',
    },
    {
      name: 'old replicas pending termination',
      obj: deployment({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 4, availableReplicas: 4 } }),
      state: 'progressing',
      message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    },
    {
      name: 'updated replicas not yet available',
      obj: deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 } }),
      state: 'progressing',
      message: 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    },
    {
      name: 'complete',
      obj: deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [available, progressing('NewReplicaSetAvailable')] } }),
      state: 'done',
      message: 'deployment "web" successfully rolled out',
    },
    {
      name: 'observedGeneration ahead of generation still counts as observed',
      obj: deployment({ generation: 2, status: { observedGeneration: 5, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
      state: 'done',
      message: 'deployment "web" successfully rolled out',
    },
    {
      name: 'progress deadline exceeded fails even when counts look done',
      obj: deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, conditions: [progressing('ProgressDeadlineExceeded', 'False')] } }),
      state: 'failed',
      message: 'deployment "web" exceeded its progress deadline',
    },
    {
      name: 'progress deadline exceeded mid-rollout',
      obj: deployment({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [available, progressing('ProgressDeadlineExceeded', 'False')] } }),
      state: 'failed',
      message: 'deployment "web" exceeded its progress deadline',
    },
    {
      name: 'deadline condition is ignored until the generation is observed',
      obj: deployment({ generation: 3, status: { observedGeneration: 2, conditions: [progressing('ProgressDeadlineExceeded', 'False')] } }),
      state: 'progressing',
      message: 'Waiting for deployment spec update to be observed...',
    },
    {
      name: 'scaled to zero',
      obj: deployment({ replicas: 0, status: { observedGeneration: 2 } }),
      state: 'done',
      message: 'deployment "web" successfully rolled out',
    },
    {
      name: 'spec.replicas missing is the API default of 1',
      obj: deployment({ omitReplicas: true, status: { observedGeneration: 2 } }),
      state: 'progressing',
      message: 'Waiting for deployment "web" rollout to finish: 0 out of 1 new replicas have been updated...',
    },
    {
      name: 'pinned revision matches',
      obj: deployment({ revision: '4', status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
      opts: { revision: 4 },
      state: 'done',
      message: 'deployment "web" successfully rolled out',
    },
    {
      name: 'pinned revision rolled over by another one',
      obj: deployment({ revision: '5', status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
      opts: { revision: 4 },
      state: 'failed',
      message: 'desired revision (4) is different from the running revision (5)',
    },
    {
      name: 'pinned revision without a revision annotation (revision 0)',
      obj: deployment({ status: { observedGeneration: 2 } }),
      opts: { revision: 1 },
      state: 'failed',
      message: 'desired revision (1) is different from the running revision (0)',
    },
    {
      name: 'unparseable revision annotation',
      obj: deployment({ revision: 'abc', status: {} }),
      opts: { revision: 1 },
      state: 'failed',
      message: 'cannot get the revision of deployment "web": strconv.ParseInt: parsing "abc": invalid syntax',
    },
    {
      name: 'revision 0 means the latest (no pin)',
      obj: deployment({ revision: '9', status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
      opts: { revision: 0 },
      state: 'done',
      message: 'deployment "web" successfully rolled out',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pick(rolloutStatus(c.obj, c.opts)), { state: c.state, message: c.message });
    });
  }

  test('counts: ready, desired and updated come from status and spec', () => {
    const v = rolloutStatus(deployment({ replicas: 5, status: { observedGeneration: 2, replicas: 6, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4 } }));
    assert.deepEqual({ ready: v.ready, desired: v.desired, updated: v.updated, canary: v.canary }, { ready: 4, desired: 5, updated: 2, canary: undefined });
  });

  test('names are quoted like Go %q', () => {
    assert.equal(rolloutStatus(deployment({ name: 'api-v2', status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } })).message, 'deployment "api-v2" successfully rolled out');
  });

  test('extensions/v1beta1 Deployments are read like apps/v1', () => {
    const obj = { ...deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }), apiVersion: 'extensions/v1beta1' };
    assert.equal(rolloutStatus(obj).state, 'done');
  });
});

function statefulSet(opts: { replicas?: number; generation?: number; updateStrategy?: Json | null; status?: Json }): Json {
  const spec: Json = { replicas: opts.replicas ?? 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: {} };
  if (opts.updateStrategy !== null) spec.updateStrategy = opts.updateStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'dev', generation: opts.generation ?? 2 }, spec, status: opts.status ?? {} };
}

describe('rolloutStatus: StatefulSet (kubectl StatefulSetStatusViewer)', () => {
  const cases: Array<{ name: string; obj: Json; state: RolloutVerdict['state']; message: string }> = [
    {
      name: 'never observed (observedGeneration 0)',
      obj: statefulSet({ generation: 1, status: { replicas: 0 } }),
      state: 'progressing',
      message: 'Waiting for statefulset spec update to be observed...',
    },
    {
      name: 'spec change not yet observed',
      obj: statefulSet({ generation: 3, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3 } }),
      state: 'progressing',
      message: 'Waiting for statefulset spec update to be observed...',
    },
    {
      name: 'pods not ready',
      obj: statefulSet({ status: { observedGeneration: 2, replicas: 2, readyReplicas: 1 } }),
      state: 'progressing',
      message: 'Waiting for 2 pods to be ready...',
    },
    {
      name: 'partition 0 (defaulted): updating',
      obj: statefulSet({ status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' } }),
      state: 'progressing',
      message: 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...',
    },
    {
      name: 'partition 0: complete is reported as a partitioned roll out',
      obj: statefulSet({ status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2' } }),
      state: 'done',
      message: 'partitioned roll out complete: 3 new pods have been updated...',
    },
    {
      name: 'partition 2 of 5: waiting for the pods above the partition',
      obj: statefulSet({ replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, status: { observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 2 } }),
      state: 'progressing',
      message: 'Waiting for partitioned roll out to finish: 2 out of 3 new pods have been updated...',
    },
    {
      name: 'partition 2 of 5: done once 3 pods are updated',
      obj: statefulSet({ replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, status: { observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 3 } }),
      state: 'done',
      message: 'partitioned roll out complete: 3 new pods have been updated...',
    },
    {
      name: 'rollingUpdate block without partition: partition defaults to 0',
      obj: statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: {} }, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 2 } }),
      state: 'progressing',
      message: 'Waiting for partitioned roll out to finish: 2 out of 3 new pods have been updated...',
    },
    {
      name: 'explicit RollingUpdate without rollingUpdate block: compares revisions',
      obj: statefulSet({ updateStrategy: { type: 'RollingUpdate' }, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-5d8c', updateRevision: 'db-7f9b' } }),
      state: 'progressing',
      message: 'waiting for statefulset rolling update to complete 1 pods at revision db-7f9b...',
    },
    {
      name: 'explicit RollingUpdate without rollingUpdate block: complete',
      obj: statefulSet({ updateStrategy: { type: 'RollingUpdate' }, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3, currentRevision: 'db-7f9b', updateRevision: 'db-7f9b' } }),
      state: 'done',
      message: 'statefulset rolling update complete 3 pods at revision db-7f9b...',
    },
    {
      name: 'no updateStrategy (not defaulted): treated as the API default RollingUpdate + partition 0',
      obj: statefulSet({ updateStrategy: null, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3 } }),
      state: 'done',
      message: 'partitioned roll out complete: 3 new pods have been updated...',
    },
    {
      name: 'OnDelete has no rollout status (kubectl exits with an error)',
      obj: statefulSet({ updateStrategy: { type: 'OnDelete' }, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3 } }),
      state: 'failed',
      message: 'rollout status is only available for RollingUpdate strategy type',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pick(rolloutStatus(c.obj)), { state: c.state, message: c.message });
    });
  }

  test('counts', () => {
    const v = rolloutStatus(statefulSet({ replicas: 4, status: { observedGeneration: 2, replicas: 4, readyReplicas: 2, updatedReplicas: 1 } }));
    assert.deepEqual({ ready: v.ready, desired: v.desired, updated: v.updated }, { ready: 2, desired: 4, updated: 1 });
  });
});

function daemonSet(opts: { generation?: number; type?: string; status?: Json }): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'dev', generation: opts.generation ?? 2 },
    spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: opts.type === undefined ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } : opts.type === '' ? {} : { type: opts.type } },
    status: opts.status ?? {},
  };
}

describe('rolloutStatus: DaemonSet (kubectl DaemonSetStatusViewer)', () => {
  const cases: Array<{ name: string; obj: Json; state: RolloutVerdict['state']; message: string }> = [
    {
      name: 'spec change not yet observed',
      obj: daemonSet({ generation: 3, status: { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 } }),
      state: 'progressing',
      message: 'Waiting for daemon set spec update to be observed...',
    },
    {
      name: 'pods being updated',
      obj: daemonSet({ status: { observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 } }),
      state: 'progressing',
      message: 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...',
    },
    {
      name: 'updated pods not yet available',
      obj: daemonSet({ status: { observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 } }),
      state: 'progressing',
      message: 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...',
    },
    {
      name: 'complete',
      obj: daemonSet({ status: { observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3 } }),
      state: 'done',
      message: 'daemon set "agent" successfully rolled out',
    },
    {
      name: 'no eligible nodes: nothing to wait for',
      obj: daemonSet({ status: { observedGeneration: 2, desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 } }),
      state: 'done',
      message: 'daemon set "agent" successfully rolled out',
    },
    {
      name: 'empty strategy type is the API default RollingUpdate',
      obj: daemonSet({ type: '', status: { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 } }),
      state: 'done',
      message: 'daemon set "agent" successfully rolled out',
    },
    {
      name: 'OnDelete has no rollout status',
      obj: daemonSet({ type: 'OnDelete', status: { observedGeneration: 2, desiredNumberScheduled: 3 } }),
      state: 'failed',
      message: 'rollout status is only available for RollingUpdate strategy type',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pick(rolloutStatus(c.obj)), { state: c.state, message: c.message });
    });
  }

  test('counts', () => {
    const v = rolloutStatus(daemonSet({ status: { observedGeneration: 2, desiredNumberScheduled: 5, numberReady: 4, updatedNumberScheduled: 3, numberAvailable: 4 } }));
    assert.deepEqual({ ready: v.ready, desired: v.desired, updated: v.updated }, { ready: 4, desired: 5, updated: 3 });
  });
});

const STEPS = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '30s' } }];

function rollout(opts: { generation?: number; replicas?: number; paused?: boolean; steps?: Json[]; trafficRouting?: boolean; blueGreen?: Json; status?: Json }): Json {
  const strategy: Json = opts.blueGreen ? { blueGreen: opts.blueGreen } : { canary: { steps: opts.steps ?? STEPS, ...(opts.trafficRouting ? { trafficRouting: { nginx: { stableIngress: 'web' } } } : {}) } };
  const spec: Json = { replicas: opts.replicas ?? 5, selector: { matchLabels: { app: 'web' } }, template: {}, strategy };
  if (opts.paused !== undefined) spec.paused = opts.paused;
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'dev', generation: opts.generation ?? 4 }, spec, status: opts.status ?? {} };
}

describe('rolloutStatus: Argo Rollouts (kubectl argo rollouts status)', () => {
  const cases: Array<{ name: string; obj: Json; state: RolloutVerdict['state']; message: string }> = [
    {
      name: 'controller phase Healthy',
      obj: rollout({ status: { observedGeneration: '4', phase: 'Healthy', currentStepIndex: 4, stableRS: 'abc', currentPodHash: 'abc' } }),
      state: 'done',
      message: 'Healthy',
    },
    {
      name: 'controller phase Progressing with its message',
      obj: rollout({ status: { observedGeneration: '4', phase: 'Progressing', message: 'more replicas need to be updated', currentStepIndex: 0 } }),
      state: 'progressing',
      message: 'Progressing - more replicas need to be updated',
    },
    {
      name: 'paused at a canary step',
      obj: rollout({ status: { observedGeneration: '4', phase: 'Paused', message: 'CanaryPauseStep', currentStepIndex: 1, controllerPause: true, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00Z' }] } }),
      state: 'progressing',
      message: 'Paused - CanaryPauseStep',
    },
    {
      name: 'aborted',
      obj: rollout({ status: { observedGeneration: '4', phase: 'Degraded', message: 'RolloutAborted: Rollout aborted update to revision 2', abort: true, currentStepIndex: 1 } }),
      state: 'failed',
      message: 'Degraded - RolloutAborted: Rollout aborted update to revision 2',
    },
    {
      name: 'generation not yet observed wins over the phase',
      obj: rollout({ generation: 5, status: { observedGeneration: '4', phase: 'Healthy' } }),
      state: 'progressing',
      message: 'Progressing - waiting for rollout spec update to be observed',
    },
    {
      name: 'numeric observedGeneration is read too',
      obj: rollout({ generation: 5, status: { observedGeneration: 4, phase: 'Healthy' } }),
      state: 'progressing',
      message: 'Progressing - waiting for rollout spec update to be observed',
    },
    {
      name: 'pre-v0.10 hash observedGeneration always counts as observed',
      obj: rollout({ generation: 5, status: { observedGeneration: '7d4b9c8f45', phase: 'Healthy' } }),
      state: 'done',
      message: 'Healthy',
    },
    {
      name: 'promoted but the controller has not reacted (unpausing)',
      obj: rollout({ status: { observedGeneration: '4', phase: 'Paused', message: 'CanaryPauseStep', controllerPause: true, pauseConditions: null } }),
      state: 'progressing',
      message: 'Progressing - waiting for rollout to unpause',
    },
    // no status.phase (Rollouts v0.10 and older): computed client-side like CalculateRolloutPhase
    {
      name: 'client-side: aborted condition',
      obj: rollout({ status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'RolloutAborted', message: 'Rollout aborted update to revision 3' }] } }),
      state: 'failed',
      message: 'Degraded - RolloutAborted: Rollout aborted update to revision 3',
    },
    {
      name: 'client-side: progress deadline',
      obj: rollout({ status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' }] } }),
      state: 'failed',
      message: 'Degraded - ProgressDeadlineExceeded: ReplicaSet "web-abc" has timed out progressing.',
    },
    {
      name: 'client-side: invalid spec',
      obj: rollout({ status: { conditions: [{ type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message: 'The Rollout "web" is invalid' }] } }),
      state: 'failed',
      message: 'Degraded - InvalidSpec: The Rollout "web" is invalid',
    },
    {
      name: 'client-side: manually paused',
      obj: rollout({ paused: true, status: {} }),
      state: 'progressing',
      message: 'Paused - manually paused',
    },
    {
      name: 'client-side: pause condition',
      obj: rollout({ status: { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00Z' }], controllerPause: true } }),
      state: 'progressing',
      message: 'Paused - CanaryPauseStep',
    },
    {
      name: 'client-side: replicas to update',
      obj: rollout({ status: { replicas: 5, updatedReplicas: 1, availableReplicas: 5 } }),
      state: 'progressing',
      message: 'Progressing - more replicas need to be updated',
    },
    {
      name: 'client-side: updated replicas not available',
      obj: rollout({ status: { replicas: 5, updatedReplicas: 5, availableReplicas: 4 } }),
      state: 'progressing',
      message: 'Progressing - updated replicas are still becoming available',
    },
    {
      name: 'client-side: old replicas pending termination (basic canary)',
      obj: rollout({ status: { replicas: 6, updatedReplicas: 5, availableReplicas: 6, stableRS: 'a', currentPodHash: 'a' } }),
      state: 'progressing',
      message: 'Progressing - old replicas are pending termination',
    },
    {
      name: 'client-side: extra replicas are fine with traffic routing, waiting for steps',
      obj: rollout({ trafficRouting: true, status: { replicas: 6, updatedReplicas: 5, availableReplicas: 6, stableRS: 'a', currentPodHash: 'b' } }),
      state: 'progressing',
      message: 'Progressing - waiting for all steps to complete',
    },
    {
      name: 'client-side: fully promoted',
      obj: rollout({ status: { replicas: 5, updatedReplicas: 5, availableReplicas: 5, stableRS: 'a', currentPodHash: 'a' } }),
      state: 'done',
      message: 'Healthy',
    },
    {
      name: 'client-side blue-green: active service not switched',
      obj: rollout({ blueGreen: { activeService: 'web' }, status: { replicas: 5, updatedReplicas: 5, availableReplicas: 5, currentPodHash: 'b', blueGreen: { activeSelector: 'a' } } }),
      state: 'progressing',
      message: 'Progressing - active service cutover pending',
    },
    {
      name: 'client-side blue-green: waiting for post-promotion analysis',
      obj: rollout({ blueGreen: { activeService: 'web', postPromotionAnalysis: { templates: [] } }, status: { replicas: 5, updatedReplicas: 5, availableReplicas: 5, currentPodHash: 'b', stableRS: 'a', blueGreen: { activeSelector: 'b' } } }),
      state: 'progressing',
      message: 'Progressing - waiting for analysis to complete',
    },
    {
      name: 'client-side blue-green: promoted',
      obj: rollout({ blueGreen: { activeService: 'web' }, status: { replicas: 5, updatedReplicas: 5, availableReplicas: 5, currentPodHash: 'b', stableRS: 'b', blueGreen: { activeSelector: 'b' } } }),
      state: 'done',
      message: 'Healthy',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pick(rolloutStatus(c.obj)), { state: c.state, message: c.message });
    });
  }

  describe('canary progress', () => {
    const canaryCases: Array<{ name: string; obj: Json; canary: RolloutVerdict['canary'] }> = [
      {
        name: 'at a setWeight step: that weight',
        obj: rollout({ status: { currentStepIndex: 0, phase: 'Progressing', observedGeneration: '4' } }),
        canary: { step: 0, steps: 4, weight: 20, paused: false },
      },
      {
        name: 'at a pause: the weight of the last setWeight before it',
        obj: rollout({ status: { currentStepIndex: 1, phase: 'Paused', observedGeneration: '4', pauseConditions: [{ reason: 'CanaryPauseStep' }] } }),
        canary: { step: 1, steps: 4, weight: 20, paused: true },
      },
      {
        name: 'second pause',
        obj: rollout({ status: { currentStepIndex: 3, phase: 'Paused', observedGeneration: '4', pauseConditions: [{ reason: 'CanaryPauseStep' }] } }),
        canary: { step: 3, steps: 4, weight: 60, paused: true },
      },
      {
        name: 'after the last step: 100',
        obj: rollout({ status: { currentStepIndex: 4, phase: 'Healthy', observedGeneration: '4' } }),
        canary: { step: 4, steps: 4, weight: 100, paused: false },
      },
      {
        name: 'aborted: 0',
        obj: rollout({ status: { currentStepIndex: 2, abort: true, phase: 'Degraded', observedGeneration: '4' } }),
        canary: { step: 2, steps: 4, weight: 0, paused: false },
      },
      {
        name: 'a pause before any setWeight: 0',
        obj: rollout({ steps: [{ pause: {} }, { setWeight: 50 }], status: { currentStepIndex: 0, observedGeneration: '4', phase: 'Paused' } }),
        canary: { step: 0, steps: 2, weight: 0, paused: false },
      },
      {
        name: 'no steps: 100',
        obj: rollout({ steps: [], status: { phase: 'Healthy', observedGeneration: '4' } }),
        canary: { step: 0, steps: 0, weight: 100, paused: false },
      },
      {
        name: 'traffic router weights win over the set weight',
        obj: rollout({ trafficRouting: true, status: { currentStepIndex: 2, phase: 'Progressing', observedGeneration: '4', canary: { weights: { canary: { weight: 35, podTemplateHash: 'b' }, stable: { weight: 65, podTemplateHash: 'a' } } } } }),
        canary: { step: 2, steps: 4, weight: 35, paused: false },
      },
      {
        name: 'manually paused',
        obj: rollout({ paused: true, status: { currentStepIndex: 2, phase: 'Paused', observedGeneration: '4' } }),
        canary: { step: 2, steps: 4, weight: 60, paused: true },
      },
    ];
    for (const c of canaryCases) {
      test(c.name, () => {
        assert.deepEqual(rolloutStatus(c.obj).canary, c.canary);
      });
    }

    test('blue-green rollouts report no canary progress', () => {
      assert.equal(rolloutStatus(rollout({ blueGreen: { activeService: 'web' }, status: {} })).canary, undefined);
    });

    test('counts', () => {
      const v = rolloutStatus(rollout({ replicas: 10, status: { readyReplicas: 9, updatedReplicas: 2 } }));
      assert.deepEqual({ ready: v.ready, desired: v.desired, updated: v.updated }, { ready: 9, desired: 10, updated: 2 });
    });
  });
});

describe('rolloutStatus: input errors', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['null', null, /needs a Kubernetes object/],
    ['an array', [], /needs a Kubernetes object/],
    ['a string', 'deployment/web', /needs a Kubernetes object/],
    ['a Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }, /No rollout status for Pod \(v1\)/],
    ['a ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x' } }, /No rollout status for ReplicaSet \(apps\/v1\)/],
    ['a Rollout of another group', { apiVersion: 'example.com/v1', kind: 'Rollout' }, /No rollout status for Rollout \(example.com\/v1\)/],
    ['a Deployment without apiVersion', { kind: 'Deployment', metadata: { name: 'x' } }, /No rollout status for Deployment\./],
    ['no kind', { metadata: { name: 'x' } }, /No rollout status for an object without a kind/],
  ];
  for (const [name, obj, re] of bad) {
    test(`${name} is refused as bad input`, () => {
      assert.throws(
        () => rolloutStatus(obj),
        (err: unknown) => err instanceof PilotError && err.kind === 'input' && re.test(err.message),
      );
    });
  }

  test('the unsupported-kind error names what is supported', () => {
    try {
      rolloutStatus({ apiVersion: 'batch/v1', kind: 'Job' });
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof PilotError);
      assert.match(err.toUserString(), /Deployment, StatefulSet and DaemonSet \(apps\/v1\), Argo Rollouts Rollout \(argoproj\.io\/v1alpha1\) and Flux Kustomization \/ HelmRelease/);
    }
  });

  test('garbage in status fields is read as zero, not as a crash', () => {
    const v = rolloutStatus(deployment({ status: { observedGeneration: 'two', replicas: null, updatedReplicas: '3', conditions: 'none' } }));
    assert.deepEqual(pick(v), { state: 'progressing', message: 'Waiting for deployment spec update to be observed...' });
  });
});
