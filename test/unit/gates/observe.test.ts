import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sinceOf } from '../../../src/core/gates/observe';
import { workloadInfo } from '../../../src/core/kube/liveState';

const deployment = (progressing: Record<string, string>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'staging', generation: 2, annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web', image: 'r/web:1.0.5' }] } } },
  status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', ...progressing }] },
});

describe('soak from cluster timestamps', () => {
  test("a Deployment's completion is its Progressing condition's last update with NewReplicaSetAvailable", () => {
    const done = workloadInfo('deployment', 'web', deployment({ reason: 'NewReplicaSetAvailable', lastUpdateTime: '2026-12-02T09:18:00Z', lastTransitionTime: '2026-12-01T08:00:00Z' }));
    assert.equal(done.completedAt, '2026-12-02T09:18:00Z');
    const rolling = workloadInfo('deployment', 'web', deployment({ reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-12-02T09:18:00Z' }));
    assert.equal(rolling.completedAt, undefined);
  });

  test("a Rollout's completion is its Completed condition's transition", () => {
    const ro = { ...deployment({}), kind: 'Rollout', status: { currentPodHash: '7c9', conditions: [{ type: 'Completed', status: 'True', reason: 'RolloutCompleted', lastTransitionTime: '2026-12-02T09:30:00Z' }] } };
    const w = workloadInfo('rollout', 'web', ro);
    assert.equal(w.completedAt, '2026-12-02T09:30:00Z');
    assert.equal(w.podHash, '7c9');
  });

  test('healthy since the later of the completion and the successful sync', () => {
    const workload = workloadInfo('deployment', 'web', deployment({ reason: 'NewReplicaSetAvailable', lastUpdateTime: '2026-12-02T09:18:00Z' }));
    const argo = (phase: string, finishedAt: string) => ({ name: 'a', namespace: 'argocd', operation: { phase, finishedAt } });
    assert.deepEqual(sinceOf({ workload, argo: argo('Succeeded', '2026-12-02T09:20:00Z') }), { healthySince: '2026-12-02T09:20:00Z' });
    assert.deepEqual(sinceOf({ workload, argo: argo('Succeeded', '2026-12-02T09:00:00Z') }), { healthySince: '2026-12-02T09:18:00Z' });
    assert.deepEqual(sinceOf({ workload, argo: argo('Failed', '2026-12-02T09:20:00Z') }), { healthySince: '2026-12-02T09:18:00Z' });
    assert.deepEqual(sinceOf({}), {});
  });
});
