import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { promotePatches } from '../../../src/core/kube/actions';
import { computeDrift, computeLiveState, containerImages, healthOf, podStatus, summaryOf, type LiveState } from '../../../src/core/kube/liveState';
import type { KubeObject } from '../../../src/core/kube/resources';
import { evaluateRollout } from '../../../src/core/kube/watchRollout';

type Json = Record<string, any>;

function pod(name: string, status: Json, extra: { hash?: string; image?: string; owner?: string; deleting?: boolean } = {}): KubeObject {
  return {
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: 'web', 'pod-template-hash': extra.hash ?? 'new' },
      ownerReferences: [{ kind: 'ReplicaSet', name: extra.owner ?? `web-${extra.hash ?? 'new'}` }],
      ...(extra.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'web', image: extra.image ?? 'reg.example.com/web:2' }], nodeName: 'n1' },
    status,
  };
}

const waiting = (reason: string, message?: string, lastState?: Json, restartCount = 0) => ({
  phase: 'Pending',
  containerStatuses: [{ name: 'web', ready: false, restartCount, state: { waiting: { reason, ...(message ? { message } : {}) } }, lastState: lastState ?? {} }],
});
const running = (ready: boolean) => ({
  phase: 'Running',
  conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { message: 'containers with unready status: [web]' }) }],
  containerStatuses: [{ name: 'web', ready, restartCount: 0, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }],
});

describe('podStatus: kubectl STATUS and the reason that matters', () => {
  const cases: Array<[string, KubeObject, { status: string; reason?: string; ready?: boolean; restarts?: number }]> = [
    ['running and ready', pod('a', running(true)), { status: 'Running', ready: true }],
    ['running, readiness failing', pod('b', running(false)), { status: 'Running', reason: 'NotReady', ready: false }],
    ['ErrImagePull', pod('c', waiting('ErrImagePull', 'rpc error: not found')), { status: 'ErrImagePull', reason: 'ErrImagePull' }],
    ['ImagePullBackOff', pod('d', waiting('ImagePullBackOff', 'Back-off pulling image')), { status: 'ImagePullBackOff', reason: 'ImagePullBackOff' }],
    ['CrashLoopBackOff', pod('e', { ...waiting('CrashLoopBackOff', 'back-off 10s', { terminated: { exitCode: 1, reason: 'Error' } }, 3), phase: 'Running' }), { status: 'CrashLoopBackOff', reason: 'CrashLoopBackOff', restarts: 3 }],
    ['CrashLoopBackOff after an OOM kill: OOMKilled', pod('f', { ...waiting('CrashLoopBackOff', 'back-off', { terminated: { exitCode: 137, reason: 'OOMKilled' } }, 2), phase: 'Running' }), { status: 'CrashLoopBackOff', reason: 'OOMKilled' }],
    ['container creating', pod('g', waiting('ContainerCreating')), { status: 'ContainerCreating', reason: 'ContainerCreating' }],
    [
      'unschedulable',
      pod('h', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] }),
      { status: 'Pending', reason: 'Unschedulable' },
    ],
    ['terminating', pod('i', running(true), { deleting: true }), { status: 'Terminating', ready: true }],
    ['evicted', pod('j', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), { status: 'Evicted', reason: 'Evicted' }],
    [
      'init container failing to pull',
      pod('k', { phase: 'Pending', initContainerStatuses: [{ name: 'init', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }], containerStatuses: [{ name: 'web', ready: false, state: { waiting: { reason: 'PodInitializing' } } }] }),
      { status: 'Init:ImagePullBackOff', reason: 'ImagePullBackOff' },
    ],
  ];
  for (const [name, p, want] of cases) {
    test(name, () => {
      const s = podStatus(p);
      assert.equal(s.status, want.status);
      assert.equal(s.reason, want.reason);
      if (want.ready !== undefined) assert.equal(s.ready, want.ready);
      if (want.restarts !== undefined) assert.equal(s.restarts, want.restarts);
    });
  }
});

function deployment(o: { image?: string; generation?: number; status?: Json } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'dev', uid: 'dep-uid', generation: o.generation ?? 2, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: o.image ?? 'reg.example.com/web:2' }] } } },
    status: o.status ?? { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
  };
}

function rs(hash: string, revision: number, image: string, replicas: number): KubeObject {
  return {
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, labels: { app: 'web', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: true }] },
    spec: { replicas, template: { spec: { containers: [{ name: 'web', image }] } } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

function event(type: string, reason: string, kind: string, name: string, last: string): KubeObject {
  return { kind: 'Event', metadata: { name: `${name}.${reason}` }, type, reason, message: `${reason} happened`, involvedObject: { kind, name }, count: 1, lastTimestamp: last };
}

describe('computeLiveState', () => {
  const progressingStatus = { observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 };
  const inputs = () => ({
    kind: 'deployment' as const,
    name: 'web',
    workload: deployment({ status: progressingStatus }),
    replicaSets: [rs('old', 1, 'reg.example.com/web:1', 3), rs('new', 2, 'reg.example.com/web:2', 1), { ...rs('other', 5, 'x:1', 1), metadata: { ...rs('other', 5, 'x:1', 1).metadata, ownerReferences: [{ kind: 'Deployment', name: 'api', uid: 'api-uid' }] } }],
    pods: [
      pod('web-old-1', running(true), { hash: 'old', image: 'reg.example.com/web:1' }),
      pod('web-new-1', waiting('ImagePullBackOff', 'Back-off pulling image "reg.example.com/web:2"'), { hash: 'new' }),
    ],
    events: [
      event('Normal', 'ScalingReplicaSet', 'Deployment', 'web', '2025-01-01T00:00:01Z'),
      event('Warning', 'Failed', 'Pod', 'web-new-1', '2025-01-01T00:00:02Z'),
      event('Normal', 'Pulling', 'Pod', 'web-new-1', '2025-01-01T00:00:03Z'),
      event('Warning', 'BackOff', 'Pod', 'someone-else', '2025-01-01T00:00:04Z'),
    ],
    declared: { repository: 'reg.example.com/web', tag: '2' },
    detailed: true,
  });

  test('ReplicaSets of the workload by revision, the current one marked', () => {
    const s = computeLiveState(inputs());
    assert.deepEqual(
      s.replicaSets.map((r) => [r.name, r.revision, r.current]),
      [
        ['web-new', 2, true],
        ['web-old', 1, false],
      ],
    );
  });

  test('pods: the new revision first, with its reason; the stuck pod is named', () => {
    const s = computeLiveState(inputs());
    assert.deepEqual(
      s.pods.map((p) => [p.name, p.current, p.reason ?? '']),
      [
        ['web-new-1', true, 'ImagePullBackOff'],
        ['web-old-1', false, ''],
      ],
    );
    assert.deepEqual(s.stuck, { reason: 'ImagePullBackOff', pod: 'web-new-1', message: 'Back-off pulling image "reg.example.com/web:2"' });
  });

  test('events of the workload, its ReplicaSets and pods only; warnings first, newest first', () => {
    const s = computeLiveState(inputs());
    assert.deepEqual(
      s.events.map((e) => `${e.type} ${e.reason} ${e.object}`),
      ['Warning Failed Pod/web-new-1', 'Normal Pulling Pod/web-new-1', 'Normal ScalingReplicaSet Deployment/web'],
    );
  });

  test('health and summary while a pod cannot pull: degraded, with the reason', () => {
    const s = computeLiveState(inputs());
    const health = healthOf(s);
    assert.equal(health, 'degraded');
    assert.equal(summaryOf({ ...s, health }, { repository: 'reg.example.com/web' }), 'web 2 · ImagePullBackOff');
  });

  test('done, synced and healthy', () => {
    const app = { kind: 'Application', metadata: { name: 'web-dev', namespace: 'argocd' }, status: { sync: { status: 'Synced', revision: 'abc' }, health: { status: 'Healthy' } } };
    const s = computeLiveState({ ...inputs(), workload: deployment(), app, pods: [], replicaSets: [] });
    const health = healthOf(s);
    assert.equal(health, 'healthy');
    assert.equal(summaryOf({ ...s, health }), 'web 2 · Synced · Healthy');
    assert.equal(s.stuck, undefined);
    assert.deepEqual(s.argo, { name: 'web-dev', namespace: 'argocd', sync: 'Synced', health: 'Healthy', revision: 'abc' });
  });

  test('drift: git declares another tag than the cluster runs', () => {
    const s = computeLiveState({ ...inputs(), workload: deployment({ image: 'reg.example.com/web:1' }), declared: { repository: 'reg.example.com/web', tag: '2' } });
    assert.deepEqual(s.drift, { declared: '2', running: ['1'], drifted: true });
    const health = healthOf(s);
    assert.equal(health, 'drift');
    assert.equal(summaryOf({ ...s, health }), 'web 1 · drift (git: 2)');
  });
});

describe('drift rules', () => {
  const images = containerImages({ spec: { containers: [{ name: 'web', image: 'reg.example.com/web:2@sha256:' + 'a'.repeat(64) }, { name: 'proxy', image: 'envoyproxy/envoy:v1.30' }] } });
  test('only the containers of the declared repository count', () => {
    assert.equal(computeDrift(images, { repository: 'reg.example.com/web', tag: '2' })?.drifted, false);
    assert.equal(computeDrift(images, { repository: 'reg.example.com/web', tag: '3' })?.drifted, true);
  });
  test('digests decide when both sides pin one', () => {
    assert.equal(computeDrift(images, { repository: 'reg.example.com/web', tag: '2', digest: 'sha256:' + 'b'.repeat(64) })?.drifted, true);
    assert.equal(computeDrift(images, { repository: 'reg.example.com/web', tag: 'other', digest: 'sha256:' + 'a'.repeat(64) })?.drifted, false);
  });
  test('docker.io names compare canonically', () => {
    const i = containerImages({ spec: { containers: [{ name: 'n', image: 'nginx:1.27' }] } });
    assert.equal(computeDrift(i, { repository: 'docker.io/library/nginx', tag: '1.27' })?.drifted, false);
  });
  test('nothing declared: no drift', () => {
    assert.equal(computeDrift(images, undefined), undefined);
  });
});

describe('evaluateRollout', () => {
  const live = (over: Partial<LiveState>): LiveState => {
    const s = computeLiveState({ kind: 'deployment', name: 'web', workload: deployment(), detailed: true });
    const merged = { ...s, stale: false, ...over } as LiveState;
    const health = healthOf(merged);
    return { ...merged, health, summary: summaryOf({ ...merged, health }) };
  };
  test('waits for the declared image before kubectl may say done', () => {
    const s = live({ workload: computeLiveState({ kind: 'deployment', name: 'web', workload: deployment({ image: 'reg.example.com/web:1' }), detailed: true }).workload });
    const p = evaluateRollout(s, { expect: { repository: 'reg.example.com/web', tag: '2' } });
    assert.equal(p.state, 'waiting');
    assert.match(p.message, /^Waiting for 2 to reach the cluster \(it runs 1\)/);
    assert.equal(evaluateRollout(s).state, 'done', 'without an expectation it is kubectl\'s verdict');
  });
  test('a failed Argo CD sync that started after the watch fails it', () => {
    const old = computeLiveState({ kind: 'deployment', name: 'web', workload: deployment({ image: 'reg.example.com/web:1' }), detailed: true }).workload;
    const s = live({ workload: old, argo: { name: 'web-dev', namespace: 'argocd', sync: 'OutOfSync', operation: { phase: 'Failed', message: 'one or more objects failed to apply', startedAt: '2030-01-01T00:00:00Z' } } });
    const p = evaluateRollout(s, { expect: { tag: '2' }, since: Date.parse('2030-01-01T00:00:00Z') });
    assert.deepEqual([p.state, p.reason], ['failed', 'SyncFailed']);
    assert.equal(evaluateRollout(s, { expect: { tag: '2' }, since: Date.parse('2030-01-01T00:01:00Z') }).state, 'waiting', 'an older failure does not count');
  });
  test('a stuck pod fails it with the reason; kubectl\'s message otherwise', () => {
    const w = computeLiveState({ kind: 'deployment', name: 'web', workload: deployment({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 } }), detailed: true }).workload;
    const s = live({ workload: w, stuck: { reason: 'CrashLoopBackOff', pod: 'web-new-1', message: 'back-off 10s restarting failed container' } });
    const p = evaluateRollout(s);
    assert.deepEqual([p.state, p.reason], ['failed', 'CrashLoopBackOff']);
    assert.equal(p.message, 'pod web-new-1: CrashLoopBackOff: back-off 10s restarting failed container');
    const q = evaluateRollout(s, { failFast: false });
    assert.deepEqual([q.state, q.message], ['progressing', 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...']);
  });
  test('errors: permanent ones fail, the others wait and retry', () => {
    const missing = live({ error: new PilotError('kube.workloadMissing', 'deployment/web does not exist in namespace dev'), workload: undefined });
    assert.equal(evaluateRollout(missing).state, 'failed');
    const down = live({ error: new PilotError('kube.unreachable', 'Cannot reach the cluster'), workload: undefined });
    assert.equal(evaluateRollout(down).state, 'waiting');
  });
  test('ProgressDeadlineExceeded is the reason of a timed-out Deployment', () => {
    const w = computeLiveState({
      kind: 'deployment',
      name: 'web',
      workload: deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } }),
      detailed: true,
    }).workload;
    const p = evaluateRollout(live({ workload: w }));
    assert.deepEqual([p.state, p.reason, p.message], ['failed', 'ProgressDeadlineExceeded', 'deployment "web" exceeded its progress deadline']);
  });
});

describe('promotePatches (kubectl argo rollouts promote)', () => {
  const ro = (spec: Json, status: Json): KubeObject => ({ kind: 'Rollout', metadata: { name: 'ro' }, spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }] } }, ...spec }, status });
  test('paused at a pause step: clear the pause conditions', () => {
    assert.deepEqual(promotePatches(ro({}, { currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }] })), { status: { status: { pauseConditions: null } } });
  });
  test('manually paused: unpause the spec too', () => {
    assert.deepEqual(promotePatches(ro({ paused: true }, { currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }] })), { spec: { spec: { paused: false } }, status: { status: { pauseConditions: null } } });
  });
  test('not paused: skip to the next step', () => {
    assert.deepEqual(promotePatches(ro({}, { currentStepIndex: 2 })), { status: { status: { currentStepIndex: 3 } } });
  });
  test('all steps done: nothing to promote; full promotion of a stepping canary', () => {
    assert.equal(promotePatches(ro({}, { currentStepIndex: 3 })), undefined);
    assert.deepEqual(promotePatches(ro({}, { currentStepIndex: 1, currentPodHash: 'b', stableRS: 'a' }), { full: true }), { status: { status: { promoteFull: true } } });
  });
});
