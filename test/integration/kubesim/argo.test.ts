/**
 * Argo Rollouts canary rollouts (steps, pause, promote and abort the way the kubectl plugin does them)
 * and Argo CD Applications (Sync / refresh handed to an agent, health from the live workloads).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rolloutStatus } from '../../../src/core/kube/rolloutStatus';
import {
  REFRESH_ANNOTATION,
  createApplication,
  createRolledOutDeployment,
  ensureNamespace,
  rolloutManifest,
  startKubeSim,
  waitForRollout,
  type ApplicationOperationRequest,
  type KubeObject,
  type KubeSim,
} from '../../support/kubesim';
import { request } from '../../support/kubesim/client';

const RO = '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts';

function rsByHash(sim: KubeSim, hash: string): KubeObject | undefined {
  return sim.store.select('replicasets', { namespace: 'shop' }).find((rs) => rs.metadata.labels?.['rollouts-pod-template-hash'] === hash);
}

describe('Argo Rollouts canary', () => {
  let sim: KubeSim;
  const ro = () => sim.store.get('rollouts', 'shop', 'cart');
  const setImage = (image: string) => sim.store.patch('rollouts', 'shop', 'cart', 'merge', { spec: { template: { spec: { containers: [{ name: 'cart', image }] } } } });
  /** what `kubectl argo rollouts promote` does to a paused rollout */
  const promote = () => request(sim.url, 'PATCH', `${RO}/cart/status`, { contentType: 'application/merge-patch+json', body: { status: { pauseConditions: null } } });

  before(async () => {
    sim = await startKubeSim();
    ensureNamespace(sim, 'shop');
  });
  after(async () => {
    await sim.close();
  });

  test('the first revision skips the steps and becomes stable', async () => {
    sim.store.create('rollouts', rolloutManifest({ namespace: 'shop', name: 'cart', replicas: 5, image: 'registry.example.com/cart:1' }));
    const r = await waitForRollout(sim, 'rollouts', 'shop', 'cart');
    assert.equal(r.status.stableRS, r.status.currentPodHash);
    assert.deepEqual([r.status.phase, r.status.currentStepIndex, r.status.observedGeneration, r.status.selector], ['Healthy', 4, '1', 'app=cart']);
    assert.deepEqual(rolloutStatus(r), { state: 'done', message: 'Healthy', ready: 5, desired: 5, updated: 5, canary: { step: 4, steps: 4, weight: 100, paused: false } });
  });

  test('an update runs setWeight 20, then pauses; promote continues through setWeight 50 and a timed pause to Healthy', async () => {
    const stableHash = ro().status.stableRS;
    setImage('registry.example.com/cart:2');
    const paused = await sim.waitFor(() => (ro().status?.phase === 'Paused' ? ro() : undefined), { description: 'the first pause' });
    const canaryHash = paused.status.currentPodHash;
    assert.notEqual(canaryHash, stableHash);
    assert.deepEqual([paused.status.message, paused.status.currentStepIndex, paused.status.controllerPause, paused.status.pauseConditions.map((p: { reason: string }) => p.reason)], ['CanaryPauseStep', 1, true, ['CanaryPauseStep']]);
    assert.deepEqual([rsByHash(sim, canaryHash)!.spec.replicas, rsByHash(sim, stableHash)!.spec.replicas], [1, 4], '20% of 5 on the canary');
    assert.deepEqual(rolloutStatus(paused), { state: 'progressing', message: 'Paused - CanaryPauseStep', ready: 5, desired: 5, updated: 1, canary: { step: 1, steps: 4, weight: 20, paused: true } });

    const r = await promote();
    assert.equal(r.status, 200);
    const second = await sim.waitFor(() => (ro().status?.currentStepIndex === 3 ? ro() : undefined), { description: 'the timed pause' });
    assert.deepEqual([rsByHash(sim, canaryHash)!.spec.replicas, rsByHash(sim, stableHash)!.spec.replicas], [3, 3], 'ceil(50% of 5) on both sides');
    assert.equal(rolloutStatus(second).canary?.weight, 50);
    const done = await sim.waitFor(() => (ro().status?.phase === 'Healthy' && ro().status.stableRS === canaryHash ? ro() : undefined), { description: 'the timed pause to pass and the rollout to finish' });
    assert.deepEqual([rsByHash(sim, canaryHash)!.spec.replicas, rsByHash(sim, stableHash)!.spec.replicas], [5, 0]);
    assert.equal(rolloutStatus(done).state, 'done');
    const events = sim.store.select('events', { namespace: 'shop' }).filter((e) => e.involvedObject.kind === 'Rollout').map((e) => `${e.reason}: ${e.message}`);
    for (const want of [
      'RolloutUpdated: Rollout updated to revision 2',
      'RolloutStepCompleted: Rollout step 1/4 completed (setWeight: 20)',
      'RolloutPaused: Rollout is paused (CanaryPauseStep)',
      'RolloutResumed: Rollout is resumed',
      'RolloutStepCompleted: Rollout step 4/4 completed (pause: 10s)',
      `RolloutCompleted: Rollout completed update to revision 2 (${canaryHash}): Completed all 4 canary steps`,
    ]) {
      assert.ok(events.includes(want), `missing event ${want}\n${events.join('\n')}`);
    }
  });

  test('abort scales the canary away and the rollout is Degraded; retry runs the steps again', async () => {
    const stableHash = ro().status.stableRS;
    setImage('registry.example.com/cart:3');
    await sim.waitFor(() => ro().status?.phase === 'Paused', { description: 'the first pause' });
    const canaryHash = ro().status.currentPodHash;
    // kubectl argo rollouts abort
    await request(sim.url, 'PATCH', `${RO}/cart/status`, { contentType: 'application/merge-patch+json', body: { status: { abort: true } } });
    const aborted = await sim.waitFor(() => {
      const r = ro();
      return r.status?.phase === 'Degraded' && r.status.updatedReplicas === 0 && r.status.availableReplicas === 5 ? r : undefined;
    }, { description: 'the abort done' });
    assert.equal(aborted.status.message, 'RolloutAborted: Rollout aborted update to revision 3');
    assert.deepEqual(rolloutStatus(aborted), { state: 'failed', message: 'Degraded - RolloutAborted: Rollout aborted update to revision 3', ready: 5, desired: 5, updated: 0, canary: { step: 1, steps: 4, weight: 0, paused: false } });
    assert.equal(rsByHash(sim, stableHash)!.spec.replicas, 5);
    assert.ok(aborted.status.abortedAt);
    await request(sim.url, 'PATCH', `${RO}/cart/status`, { contentType: 'application/merge-patch+json', body: { status: { abort: false } } });
    const again = await sim.waitFor(() => (ro().status?.phase === 'Paused' ? ro() : undefined), { description: 'the first pause again' });
    assert.equal(again.status.currentStepIndex, 1);
    assert.equal(rsByHash(sim, canaryHash)!.spec.replicas, 1);
  });

  test('with traffic routing the weights are reported and the stable side keeps its size', async () => {
    sim.store.create('rollouts', rolloutManifest({ namespace: 'shop', name: 'routed', replicas: 4, trafficRouting: true }));
    await waitForRollout(sim, 'rollouts', 'shop', 'routed');
    const stableHash = sim.store.get('rollouts', 'shop', 'routed').status.stableRS;
    sim.store.patch('rollouts', 'shop', 'routed', 'merge', { spec: { template: { metadata: { annotations: { v: '2' } } } } });
    const paused = await sim.waitFor(() => {
      const r = sim.store.get('rollouts', 'shop', 'routed');
      return r.status?.phase === 'Paused' ? r : undefined;
    }, { description: 'the pause' });
    assert.deepEqual(paused.status.canary.weights, { canary: { podTemplateHash: paused.status.currentPodHash, weight: 20 }, stable: { podTemplateHash: stableHash, weight: 80 } });
    assert.equal(rsByHash(sim, stableHash)!.spec.replicas, 4);
    assert.equal(rolloutStatus(paused).canary?.weight, 20);
  });
});

describe('Argo CD applications', () => {
  let sim: KubeSim;
  const app = () => sim.store.get('applications', 'argocd', 'web-dev');
  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 2, progressDeadlineSeconds: 20 });
    createApplication(sim, {
      name: 'web-dev',
      destinationNamespace: 'dev',
      sync: { status: 'Synced', revision: 'a'.repeat(40) },
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'dev', name: 'web' }],
    });
  });
  after(async () => {
    await sim.close();
  });

  test('health follows the linked Deployment: Healthy, Progressing during a rollout, Degraded past its deadline, Missing when gone', async () => {
    await sim.waitFor(() => app().status?.resources?.[0]?.health?.status === 'Healthy', { description: 'resource health computed' });
    assert.equal(app().status.health.status, 'Healthy');
    const seen = new Set<string>();
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource === 'applications') seen.add(ev.object.status?.health?.status);
    });
    sim.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:2' }] } } } });
    await waitForRollout(sim, 'deployments', 'dev', 'web');
    await sim.waitFor(() => app().status.health.status === 'Healthy', { description: 'Healthy again' });
    stop();
    assert.ok(seen.has('Progressing'), [...seen].join(','));
    const remove = sim.controllers.addBehavior({ image: 'registry.example.com/web:broken', behavior: 'image-pull-error' });
    sim.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:broken' }] } } } });
    await sim.waitFor(() => app().status.health.status === 'Degraded', { description: 'Degraded' });
    assert.deepEqual(app().status.resources[0].health, { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' });
    remove();
    sim.store.delete('deployments', 'dev', 'web');
    await sim.waitFor(() => app().status.health.status === 'Missing', { description: 'Missing' });
  });

  test('Sync now without an agent: the operation succeeds at once and the application is Synced at that revision', async () => {
    const rev = 'b'.repeat(40);
    const r = await request(sim.url, 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/web-dev', {
      contentType: 'application/merge-patch+json',
      body: { operation: { initiatedBy: { username: 'gitops-pilot' }, sync: { revision: rev } } },
    });
    assert.equal(r.status, 200);
    const done = await sim.waitFor(() => (app().status?.operationState?.phase === 'Succeeded' && !app().operation ? app() : undefined), { description: 'the sync done' });
    assert.deepEqual([done.status.sync.status, done.status.sync.revision, done.status.operationState.syncResult.revision, done.status.operationState.message], ['Synced', rev, rev, 'successfully synced (all tasks run)']);
    assert.equal(done.status.operationState.operation.initiatedBy.username, 'gitops-pilot');
  });

  test('an agent receives Sync and refresh requests and decides the outcome', async () => {
    const requests: ApplicationOperationRequest[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const off = sim.onApplicationOperation(async (req, api) => {
      requests.push(req);
      if (req.kind === 'sync') {
        await gate;
        api.completeOperation(req.namespace, req.name, { phase: 'Failed', message: 'one or more synchronization tasks completed unsuccessfully' });
      }
    });
    try {
      sim.store.patch('applications', 'argocd', 'web-dev', 'merge', { operation: { sync: { revision: 'c'.repeat(40) } } });
      await sim.waitFor(() => app().status?.operationState?.phase === 'Running', { description: 'the operation running' });
      assert.deepEqual(requests.map((r) => [r.kind, r.operation?.sync?.revision]), [['sync', 'c'.repeat(40)]]);
      release();
      const failed = await sim.waitFor(() => (app().status.operationState.phase === 'Failed' ? app() : undefined), { description: 'the agent to fail the sync' });
      assert.equal(failed.status.operationState.message, 'one or more synchronization tasks completed unsuccessfully');
      assert.equal(failed.status.sync.revision, 'b'.repeat(40), 'a failed sync does not move the synced revision');
      const before = app().status.reconciledAt;
      sim.store.patch('applications', 'argocd', 'web-dev', 'merge', { metadata: { annotations: { [REFRESH_ANNOTATION]: 'hard' } } });
      await sim.waitFor(() => app().metadata.annotations?.[REFRESH_ANNOTATION] === undefined, { description: 'the refresh annotation removed' });
      assert.deepEqual(requests.slice(1).map((r) => [r.kind, r.refresh]), [['refresh', 'hard']]);
      assert.ok(app().status.reconciledAt >= before);
    } finally {
      off();
    }
  });

  test('an agent that throws ends the operation in Error with its message', async () => {
    const off = sim.onApplicationOperation(() => {
      throw new Error('repository not accessible');
    });
    try {
      sim.store.patch('applications', 'argocd', 'web-dev', 'merge', { operation: { sync: {} } });
      const errored = await sim.waitFor(() => (app().status?.operationState?.phase === 'Error' ? app() : undefined), { description: 'the Error phase' });
      assert.equal(errored.status.operationState.message, 'repository not accessible');
    } finally {
      off();
    }
  });
});
