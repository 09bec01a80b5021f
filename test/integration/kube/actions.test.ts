/**
 * Argo CD Sync now / Refresh and Argo Rollouts Promote / Abort against the simulator (which implements
 * them the way Argo CD and the Rollouts controller react), followed by the live state and watchRollout
 * as the tree and the status bar see them: the canary paused at its step with its weight, promoted to
 * done, or aborted to failed with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PilotError } from '../../../src/core/errors';
import { abortRollout, promoteRollout, refreshArgoApp, syncArgoApp } from '../../../src/core/kube/actions';
import { EnvironmentWatch } from '../../../src/core/kube/environmentWatch';
import { watchRollout } from '../../../src/core/kube/watchRollout';
import { createApplication, createRolledOutDeployment, rolloutManifest, startKubeSim, waitForRollout, type KubeSim } from '../../support/kubesim';
import { eventually, simSession, type SimSession } from './harness';

describe('Argo CD and Argo Rollouts actions', () => {
  let sim: KubeSim;
  let s: SimSession;
  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 2 });
    createApplication(sim, { name: 'web-dev', destinationNamespace: 'dev', resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'dev', name: 'web' }], sync: { status: 'OutOfSync', revision: 'a'.repeat(40) } });
    s = simSession(sim, { namespace: 'dev' });
  });
  after(async () => {
    await s.close();
    await sim.close();
  });

  test('Sync now runs an operation the agent completes; a second one while it runs is refused; the tree sees it', async () => {
    const requests: Array<{ kind: string; operation?: Record<string, unknown> }> = [];
    let finish: (() => void) | undefined;
    const off = sim.onApplicationOperation((req, api) => {
      requests.push({ kind: req.kind, operation: req.operation });
      if (req.kind === 'sync') finish = () => api.completeOperation(req.namespace, req.name, { phase: 'Succeeded', revision: 'b'.repeat(40) });
    });
    const watch = new EnvironmentWatch(s.session, { namespace: 'dev', workload: { kind: 'deployment', name: 'web' }, argocd: { application: 'web-dev', namespace: 'argocd' } });
    try {
      await syncArgoApp(s.session, { application: 'web-dev', namespace: 'argocd' });
      await eventually(() => finish, 'the agent got the sync');
      assert.deepEqual(requests[0], { kind: 'sync', operation: { initiatedBy: { username: 'gitops-pilot' }, sync: { revision: 'main', syncStrategy: { hook: {} } } } });
      await eventually(() => watch.state.argo?.operation?.phase === 'Running', 'the tree sees the sync running');
      await assert.rejects(syncArgoApp(s.session, { application: 'web-dev', namespace: 'argocd' }), (e: PilotError) => e.code === 'argocd.operationRunning' && e.kind === 'input');
      finish!();
      await eventually(() => watch.state.argo?.operation?.phase === 'Succeeded' && watch.state.argo.sync === 'Synced', 'the tree sees it done and synced', 10_000, () => watch.state.argo);
      assert.equal(watch.state.argo?.revision, 'b'.repeat(40));

      await refreshArgoApp(s.session, { application: 'web-dev', namespace: 'argocd' });
      await eventually(() => requests.some((r) => r.kind === 'refresh'), 'the agent got the refresh');
      await sim.waitFor(() => !sim.store.get('applications', 'argocd', 'web-dev').metadata.annotations?.['argocd.argoproj.io/refresh'], { description: 'the refresh handled' });
    } finally {
      off();
      watch.dispose();
    }
  });

  test('an Application that does not exist, and one in a namespace with no access, are errors with a next step', async () => {
    await assert.rejects(syncArgoApp(s.session, { application: 'nope', namespace: 'argocd' }), (e: PilotError) => e.code === 'kube.notFound' && /applications\.argoproj\.io "nope"/.test(e.message));
    const remove = sim.auth.forbid({ verb: 'patch', resource: 'applications' });
    try {
      await assert.rejects(syncArgoApp(s.session, { application: 'web-dev', namespace: 'argocd' }), (e: PilotError) => e.code === 'kube.forbidden' && /You may not patch applications\.argoproj\.io "web-dev" in namespace argocd/.test(e.message));
    } finally {
      remove();
    }
  });

  test('a canary paused at its step shows step and weight; Promote continues it to done', async () => {
    sim.store.create('rollouts', rolloutManifest({ namespace: 'dev', name: 'ro', replicas: 4, steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: { duration: '5s' } }] }));
    await waitForRollout(sim, 'rollouts', 'dev', 'ro');
    const target = { namespace: 'dev', workload: { kind: 'rollout' as const, name: 'ro' } };
    sim.store.patch('rollouts', 'dev', 'ro', 'merge', { spec: { template: { spec: { containers: [{ name: 'ro', image: 'registry.example.com/ro:2' }] } } } });
    const updates: string[] = [];
    const watching = watchRollout(s.session, target, { expect: { repository: 'registry.example.com/ro', tag: '2' }, timeoutMs: 30_000, onUpdate: (p) => updates.push(`${p.state}: ${p.message}`) });
    const watch = new EnvironmentWatch(s.session, target);
    try {
      await eventually(() => watch.state.workload?.verdict.canary?.paused, 'paused at the pause step', 10_000, () => watch.state.workload?.verdict);
      assert.deepEqual(watch.state.workload?.verdict.canary, { step: 1, steps: 4, weight: 25, paused: true });
      assert.equal(watch.state.health, 'progressing');
      assert.match(watch.state.summary, /· Paused 25%$/);
      await promoteRollout(s.session, { namespace: 'dev', name: 'ro' });
      const done = await watching;
      assert.equal(done.state, 'done', updates.join('\n'));
      assert.ok(updates.some((u) => u === 'progressing: Paused - CanaryPauseStep'), updates.join('\n'));
      await assert.rejects(promoteRollout(s.session, { namespace: 'dev', name: 'ro' }), (e: PilotError) => e.code === 'rollout.nothingToPromote');
    } finally {
      watch.dispose();
    }
  });

  test('Abort: the canary goes away and the watch fails with RolloutAborted', async () => {
    sim.store.patch('rollouts', 'dev', 'ro', 'merge', { spec: { template: { spec: { containers: [{ name: 'ro', image: 'registry.example.com/ro:3' }] } } } });
    const watching = watchRollout(s.session, { namespace: 'dev', workload: { kind: 'rollout', name: 'ro' } }, { expect: { repository: 'registry.example.com/ro', tag: '3' }, timeoutMs: 30_000 });
    await sim.waitFor(() => (sim.store.get('rollouts', 'dev', 'ro').status?.pauseConditions ?? []).length > 0, { description: 'paused' });
    await abortRollout(s.session, { namespace: 'dev', name: 'ro' });
    const p = await watching;
    assert.deepEqual([p.state, p.reason], ['failed', 'RolloutAborted']);
    assert.match(p.message, /^Degraded - RolloutAborted: Rollout aborted update to revision 3/);
  });
});
