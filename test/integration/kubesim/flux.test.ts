/**
 * The simulator's Flux agent against a real bare git repository: the conditions a GitRepository,
 * Kustomization and HelmRelease carry at each step of a reconcile (fetching, applying, a failed apply with
 * its error, a health check timeout), reconciles on `reconcile.fluxcd.io/requestedAt`, and the real kubectl
 * reading the Flux objects (`kubectl get kustomizations -A`, `helmreleases -A`, `gitrepositories -A`).
 * Intervals are 10m: everything here happens on requests and revisions, never by waiting for time.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fluxInfo, fluxStatus } from '../../../src/core/kube/flux';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import {
  createFluxObjects,
  createRolledOutDeployment,
  gitRepositoryManifest,
  helmReleaseManifest,
  kustomizationManifest,
  startKubeSim,
  type KubeObject,
  type KubeSim,
} from '../../support/kubesim';
import { Kubectl, kubectlInstalled, tableRows } from '../../support/kubesim/kubectl';

const URL = 'https://git.example.com/demo-app-gitops.git';

describe('Flux agent in the simulator', () => {
  let sim: KubeSim;
  let repo: GitFixture;
  let work: string;
  const seen: Array<{ kind: string; name: string; conditions: string[] }> = [];

  const commit = (files: Record<string, string>, message: string): string => {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(work, f), text);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', message);
    git(work, 'push', '-q', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  };
  const request = (resource: 'gitrepositories' | 'kustomizations' | 'helmreleases', name: string, value: string) =>
    sim.store.patch(resource, 'flux-system', name, 'merge', { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': value } } });
  // each distinct set of conditions the object went through (the first, just created, has none)
  const steps = (kind: string, name: string) => seen.filter((s) => s.kind === kind && s.name === name && s.conditions.length).map((s) => s.conditions.join(' | '));
  const until = (resource: 'gitrepositories' | 'kustomizations' | 'helmreleases', name: string, pred: (o: KubeObject) => boolean, description: string) =>
    sim.waitFor(() => {
      const o = sim.store.tryGet(resource, 'flux-system', name);
      return o && pred(o) ? o : undefined;
    }, { description, timeoutMs: 8000 });

  before(async () => {
    repo = gitFixture({
      'apps/dev/kustomization.yaml': 'resources: [../base]\nimages:\n- name: registry.example.com/demo-app\n  newTag: 1.0.0\n',
      'charts/demo-app/Chart.yaml': 'apiVersion: v2\nname: demo-app\nversion: 0.1.0\nappVersion: "1.0"\n',
      'envs/staging/values.yaml': 'image:\n  repository: registry.example.com/demo-app\n  tag: 1.0.0\n',
    });
    work = repo.clone('work');
    sim = await startKubeSim();
    sim.flux.addRepository(URL, repo.bare);
    sim.onChange((ev) => {
      if (!['gitrepositories', 'kustomizations', 'helmreleases'].includes(ev.rt.resource) || ev.type === 'DELETED') return;
      const conditions = (ev.object.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);
      const last = seen.filter((s) => s.name === ev.object.metadata.name && s.kind === ev.object.kind).at(-1);
      if (JSON.stringify(last?.conditions) !== JSON.stringify(conditions)) seen.push({ kind: ev.object.kind, name: ev.object.metadata.name ?? '', conditions });
    });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'demo-app', replicas: 2, image: 'registry.example.com/demo-app:0.9.0' });
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', replicas: 1, image: 'registry.example.com/demo-app:0.9.0' });
  });
  after(async () => {
    await sim.close();
    repo.cleanup();
  });

  test('GitRepository: building the artifact, then Ready with the fetched revision', async () => {
    const head = git(repo.bare, 'rev-parse', 'main');
    createFluxObjects(sim, [gitRepositoryManifest({ name: 'demo-app', url: URL, interval: '10m0s' })]);
    const repoObj = await until('gitrepositories', 'demo-app', (o) => fluxStatus(o).state === 'ready', 'the GitRepository to be ready');
    assert.equal(repoObj.status.artifact.revision, `main@sha1:${head}`);
    assert.deepEqual(steps('GitRepository', 'demo-app'), [
      `Ready=Unknown Progressing: reconciliation in progress | Reconciling=True Progressing: building artifact: new upstream revision 'main@sha1:${head}'`,
      `Ready=True Succeeded: stored artifact for revision 'main@sha1:${head}' | ArtifactInStorage=True Succeeded: stored artifact for revision 'main@sha1:${head}'`,
    ]);
  });

  test('Kustomization: fetching, applying the images to the Deployment, Ready with the applied revision and inventory', async () => {
    const head = git(repo.bare, 'rev-parse', 'main');
    createFluxObjects(sim, [kustomizationManifest({ name: 'apps-dev', source: 'demo-app', path: './apps/dev', targetNamespace: 'dev', interval: '10m0s', timeout: '1m0s' })]);
    const ks = await until('kustomizations', 'apps-dev', (o) => fluxStatus(o).state === 'ready', 'the Kustomization to be ready');
    assert.equal(ks.status.lastAppliedRevision, `main@sha1:${head}`);
    assert.deepEqual(ks.status.inventory, { entries: [{ id: 'dev_demo-app_apps_Deployment', v: 'v1' }] });
    const dep = sim.store.get('deployments', 'dev', 'demo-app');
    assert.equal(dep.spec.template.spec.containers[0].image, 'registry.example.com/demo-app:1.0.0');
    assert.equal(dep.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'apps-dev');
    assert.deepEqual(steps('Kustomization', 'apps-dev'), [
      `Ready=Unknown Progressing: Reconciliation in progress | Reconciling=True Progressing: Fetching manifests for revision main@sha1:${head} with a timeout of 1m0s`,
      `Ready=True ReconciliationSucceeded: Applied revision: main@sha1:${head}`,
    ]);
  });

  test('a pushed commit is applied on reconcile.fluxcd.io/requestedAt (source first, then the Kustomization), not only on the interval', async () => {
    const sha = commit({ 'apps/dev/kustomization.yaml': 'resources: [../base]\nimages:\n- name: registry.example.com/demo-app\n  newTag: 1.0.1\n' }, 'deploy(dev): demo-app 1.0.1');
    request('gitrepositories', 'demo-app', '2026-01-01T00:00:01Z');
    await until('gitrepositories', 'demo-app', (o) => o.status?.lastHandledReconcileAt === '2026-01-01T00:00:01Z', 'the source to handle the request');
    const ks = await until('kustomizations', 'apps-dev', (o) => o.status?.lastAppliedRevision === `main@sha1:${sha}`, 'the new revision to be applied');
    assert.equal(fluxInfo(ks).appliedCommit, sha);
    assert.equal(sim.store.get('deployments', 'dev', 'demo-app').spec.template.spec.containers[0].image, 'registry.example.com/demo-app:1.0.1');
    request('kustomizations', 'apps-dev', '2026-01-01T00:00:02Z');
    await until('kustomizations', 'apps-dev', (o) => o.status?.lastHandledReconcileAt === '2026-01-01T00:00:02Z' && fluxStatus(o).state === 'ready', 'the Kustomization to handle its request');
  });

  test('a failed apply says why (missing path; target namespace missing), and a health check timeout', async () => {
    createFluxObjects(sim, [kustomizationManifest({ name: 'broken-path', source: 'demo-app', path: './apps/nowhere', interval: '10m0s' })]);
    const a = await until('kustomizations', 'broken-path', (o) => fluxStatus(o).state === 'failed', 'ArtifactFailed');
    assert.deepEqual([fluxStatus(a).reason, fluxStatus(a).message], ['ArtifactFailed', 'kustomization path not found: stat /tmp/kustomization/apps/nowhere: no such file or directory']);
    createFluxObjects(sim, [kustomizationManifest({ name: 'no-namespace', source: 'demo-app', path: './apps/dev', targetNamespace: 'qa', interval: '10m0s' })]);
    const b = await until('kustomizations', 'no-namespace', (o) => fluxStatus(o).state === 'failed', 'ReconciliationFailed');
    assert.deepEqual([fluxStatus(b).reason, fluxStatus(b).message], ['ReconciliationFailed', 'Namespace/qa not found: namespaces "qa" not found']);

    // the new pods never become ready: the health check of `wait: true` times out (30s, scaled)
    sim.controllers.addBehavior({ image: 'registry.example.com/demo-app:1.0.2', behavior: 'never-ready' });
    commit({ 'apps/dev/kustomization.yaml': 'resources: [../base]\nimages:\n- name: registry.example.com/demo-app\n  newTag: 1.0.2\n' }, 'deploy(dev): demo-app 1.0.2');
    sim.store.patch('kustomizations', 'flux-system', 'apps-dev', 'merge', { spec: { wait: true, timeout: '30s' } });
    request('gitrepositories', 'demo-app', '2026-01-01T00:00:03Z');
    const c = await until('kustomizations', 'apps-dev', (o) => fluxStatus(o).reason === 'HealthCheckFailed', 'HealthCheckFailed');
    assert.equal(fluxStatus(c).message, "health check failed after 30s: timeout waiting for: [Deployment/dev/demo-app status: 'InProgress']");
    assert.equal(fluxStatus(c).state, 'failed');
    assert.ok(steps('Kustomization', 'apps-dev').some((s) => /Healthy=Unknown Progressing: Running health checks for revision main@sha1:[0-9a-f]{40} with a timeout of 30s/.test(s)), 'the health check step was visible');
  });

  test('HelmRelease: install, then an upgrade to the pushed commit, with the chart version carrying the commit', async () => {
    createFluxObjects(sim, [helmReleaseManifest({ name: 'demo-app-staging', source: 'demo-app', chart: './charts/demo-app', valuesFiles: ['envs/staging/values.yaml'], releaseName: 'demo-app', targetNamespace: 'staging', interval: '10m0s' })]);
    const first = await until('helmreleases', 'demo-app-staging', (o) => fluxStatus(o).state === 'ready', 'the install');
    const rev1 = git(repo.bare, 'rev-parse', 'main');
    assert.equal(fluxStatus(first).message, `Helm install succeeded for release staging/demo-app.v1 with chart demo-app@0.1.0+${rev1.slice(0, 12)}`);
    const sha = commit({ 'envs/staging/values.yaml': 'image:\n  repository: registry.example.com/demo-app\n  tag: 1.0.1\n' }, 'deploy(staging): demo-app 1.0.1');
    request('gitrepositories', 'demo-app', '2026-01-01T00:00:04Z');
    const hr = await until('helmreleases', 'demo-app-staging', (o) => o.status?.history?.[0]?.version === 2 && fluxStatus(o).state === 'ready', 'the upgrade');
    const info = fluxInfo(hr);
    assert.deepEqual([info.applied, info.appliedCommit, info.release], [`0.1.0+${sha.slice(0, 12)}`, sha.slice(0, 12), 'staging/demo-app.v2']);
    assert.deepEqual(hr.status.history.map((h: any) => h.status), ['deployed', 'superseded']);
    assert.ok(steps('HelmRelease', 'demo-app-staging').some((s) => s.includes("Reconciling=True Progressing: Running 'upgrade' action with timeout of 5m0s")));
    assert.equal(sim.store.get('deployments', 'staging', 'demo-app').spec.template.spec.containers[0].image, 'registry.example.com/demo-app:1.0.1');
  });

  test('kubectl reads the Flux objects: get kustomizations/helmreleases/gitrepositories -A, short names, the flux category', { skip: !kubectlInstalled() && 'kubectl is not installed' }, async () => {
    const k = new Kubectl(sim);
    try {
      const ks = tableRows(await k.ok(['get', 'kustomizations', '-A']));
      assert.deepEqual(ks[0], ['NAMESPACE', 'NAME', 'AGE', 'READY', 'STATUS']);
      const dev = ks.find((r) => r[1] === 'no-namespace')!;
      assert.equal(dev[3], 'False');
      const hr = await k.ok(['get', 'helmreleases', '-A']);
      assert.match(hr, /flux-system\s+demo-app-staging\s+\S+\s+True\s+Helm upgrade succeeded for release staging\/demo-app\.v2 with chart demo-app@0\.1\.0\+[0-9a-f]{12}/);
      assert.match(await k.ok(['get', 'gitrepositories', '-A']), new RegExp(`flux-system\\s+demo-app\\s+${URL.replace(/\./g, '\\.')}\\s+\\S+\\s+True\\s+stored artifact for revision 'main@sha1:[0-9a-f]{40}'`));
      assert.match(await k.ok(['get', 'ks,hr,gitrepo', '-n', 'flux-system', '-o', 'name']), /kustomization\.kustomize\.toolkit\.fluxcd\.io\/apps-dev[\s\S]*helmrelease\.helm\.toolkit\.fluxcd\.io\/demo-app-staging[\s\S]*gitrepository\.source\.toolkit\.fluxcd\.io\/demo-app/);
      const json = JSON.parse(await k.ok(['get', 'kustomization', 'apps-dev', '-n', 'flux-system', '-o', 'json']));
      assert.equal(json.apiVersion, 'kustomize.toolkit.fluxcd.io/v1');
      assert.match(await k.ok(['get', 'flux', '-n', 'flux-system']), /helmrelease/i);
    } finally {
      k.dispose();
    }
  });
});
