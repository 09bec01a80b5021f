/**
 * Flux from the user's side, against the simulator's Flux agent and a real bare repository: the live
 * state shows the Kustomization / HelmRelease (Ready, what it applied, the source's revision), Reconcile
 * now brings a pushed commit at once (source first, as `flux reconcile --with-source`), the rollout watch
 * waits for Flux to apply it and then follows the workload to done, Suspend / Resume, and a missing object.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PilotError } from '../../../src/core/errors';
import { EnvironmentWatch } from '../../../src/core/kube/environmentWatch';
import { reconcileFlux, setFluxSuspended } from '../../../src/core/kube/fluxActions';
import { watchRollout, type RolloutProgress } from '../../../src/core/kube/watchRollout';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import { createFluxObjects, createRolledOutDeployment, gitRepositoryManifest, helmReleaseManifest, kustomizationManifest, startKubeSim, type KubeSim } from '../../support/kubesim';
import { eventually, simSession, type SimSession } from './harness';

const URL = 'https://git.example.com/demo-app-gitops.git';

describe('Flux: live state, Reconcile now, Suspend / Resume, the rollout watch', () => {
  let sim: KubeSim;
  let s: SimSession;
  let repo: GitFixture;
  let work: string;
  const push = (file: string, text: string): string => {
    writeFileSync(join(work, file), text);
    git(work, 'commit', '-q', '-am', `deploy: ${file}`);
    git(work, 'push', '-q', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  };
  const kustomization = (tag: string) => `images:\n- name: registry.example.com/demo-app\n  newTag: ${tag}\n`;
  const devTarget = { namespace: 'dev', workload: { kind: 'deployment' as const, name: 'demo-app' }, flux: { kind: 'Kustomization' as const, name: 'apps-dev', namespace: 'flux-system' } };

  before(async () => {
    repo = gitFixture({
      'apps/dev/kustomization.yaml': kustomization('1.0.0'),
      'charts/demo-app/Chart.yaml': 'apiVersion: v2\nname: demo-app\nversion: 0.1.0\n',
      'envs/staging/values.yaml': 'image:\n  repository: registry.example.com/demo-app\n  tag: 1.0.0\n',
    });
    work = repo.clone('work');
    sim = await startKubeSim();
    sim.flux.addRepository(URL, repo.bare);
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'demo-app', replicas: 2, image: 'registry.example.com/demo-app:1.0.0' });
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', replicas: 1, image: 'registry.example.com/demo-app:1.0.0' });
    createFluxObjects(sim, [
      gitRepositoryManifest({ name: 'demo-app', url: URL, interval: '10m0s' }),
      kustomizationManifest({ name: 'apps-dev', source: 'demo-app', path: './apps/dev', targetNamespace: 'dev', interval: '10m0s', wait: true, timeout: '5m0s' }),
      helmReleaseManifest({ name: 'demo-app-staging', source: 'demo-app', chart: './charts/demo-app', valuesFiles: ['envs/staging/values.yaml'], releaseName: 'demo-app', targetNamespace: 'staging', interval: '10m0s' }),
    ]);
    s = simSession(sim, { namespace: 'dev' });
  });
  after(async () => {
    await s.close();
    await sim.close();
    repo.cleanup();
  });

  test('the live state shows the Kustomization: Ready, the applied commit, the source revision', async () => {
    const head = git(repo.bare, 'rev-parse', 'main');
    const watch = new EnvironmentWatch(s.session, devTarget);
    try {
      const st = await eventually(() => (watch.state.flux?.status.state === 'ready' ? watch.state : undefined), 'Flux ready in the live state', 10_000, () => watch.state.flux);
      assert.equal(st.flux!.appliedCommit, head);
      assert.equal(st.flux!.source?.revision, `main@sha1:${head}`);
      assert.match(st.summary, /^demo-app 1\.0\.0 · Flux Ready · Healthy$/);
    } finally {
      watch.dispose();
    }
  });

  test('after a push, the watch waits for Flux to apply the commit (Reconcile now), then follows the rollout to done', async () => {
    const sha = push('apps/dev/kustomization.yaml', kustomization('1.0.1'));
    const updates: RolloutProgress[] = [];
    const since = Date.now();
    const watching = watchRollout(s.session, devTarget, { expect: { repository: 'registry.example.com/demo-app', tag: '1.0.1', present: true, location: { file: 'k', line: 1, col: 1 } } as never, since, onUpdate: (p) => updates.push(p), timeoutMs: 20_000 });
    await eventually(() => updates.some((u) => u.state === 'waiting' && /Flux: Ready, applied main@sha1:[0-9a-f]{8}/.test(u.message)), 'the watch waits, saying what Flux applied', 10_000, () => updates.at(-1)?.message);
    assert.deepEqual(await reconcileFlux(s.session, devTarget.flux), { source: 'flux-system/demo-app' });
    const done = await watching;
    assert.equal(done.state, 'done', done.message);
    assert.equal(done.running, '1.0.1');
    // with wait: true, Flux records the revision once its own health check passed
    await sim.waitFor(() => sim.store.get('kustomizations', 'flux-system', 'apps-dev').status?.lastAppliedRevision === `main@sha1:${sha}`, { description: 'Flux to record the applied revision' });
    assert.ok(Date.now() - since < 20_000);
  });

  test('a HelmRelease: its newest history entry is what it applied', async () => {
    const head = git(repo.bare, 'rev-parse', 'main');
    const watch = new EnvironmentWatch(s.session, { namespace: 'staging', workload: { kind: 'deployment', name: 'demo-app' }, flux: { kind: 'HelmRelease', name: 'demo-app-staging', namespace: 'flux-system' } });
    try {
      const st = await eventually(() => (watch.state.flux?.status.state === 'ready' && watch.state.flux.appliedCommit === head.slice(0, 12) ? watch.state : undefined), 'the HelmRelease applied the head', 10_000, () => watch.state.flux);
      assert.match(st.flux!.release ?? '', /^staging\/demo-app\.v\d+$/);
      assert.match(st.flux!.status.message, /^Helm (install|upgrade) succeeded for release staging\/demo-app\.v\d+ with chart demo-app@0\.1\.0\+[0-9a-f]{12}$/);
    } finally {
      watch.dispose();
    }
  });

  test('Suspend shows as Suspended and refuses Reconcile now; Resume reconciles again', async () => {
    const watch = new EnvironmentWatch(s.session, devTarget);
    try {
      await setFluxSuspended(s.session, devTarget.flux, true);
      await eventually(() => watch.state.flux?.status.state === 'suspended', 'Suspended in the live state');
      await assert.rejects(reconcileFlux(s.session, devTarget.flux), (e: PilotError) => e.code === 'flux.suspended' && /is suspended/.test(e.message));
      await setFluxSuspended(s.session, devTarget.flux, false);
      await eventually(() => watch.state.flux?.status.state === 'ready', 'Ready again after Resume', 10_000, () => watch.state.flux);
      assert.equal(sim.store.get('kustomizations', 'flux-system', 'apps-dev').spec.suspend, false);
    } finally {
      watch.dispose();
    }
  });

  test('a Flux object that is not there is a row that says what to check', async () => {
    const watch = new EnvironmentWatch(s.session, { ...devTarget, flux: { kind: 'Kustomization', name: 'apps-qa', namespace: 'flux-system' } });
    try {
      const st = await eventually(() => (watch.state.fluxError ? watch.state : undefined), 'the missing object reported');
      assert.equal(st.fluxError!.code, 'kube.fluxObjectMissing');
      assert.match(st.fluxError!.message, /Flux Kustomization "apps-qa" was not found in namespace flux-system/);
      assert.match(st.fluxError!.hint ?? '', /flux\.kustomization/);
    } finally {
      watch.dispose();
    }
  });
});
