import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { readEnvironmentFile } from '../../../src/core/gitops/environmentFile';
import { folderMaker, tempDir } from '../../support/tmp';

const values = (tag: string) => `# values\nimage:\n  repository: demo-app\n  tag: ${tag}\nreplicaCount: 2\n`;
const kustomization = (tag: string) => `resources:\n- ../../base\nimages:\n- name: demo-app\n  newTag: ${tag}\n`;

describe('loadProject', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  const folder = folderMaker(tmp.dir);

  test('a folder with neither config nor layout is not a project', async () => {
    assert.equal(await loadProject(folder({ 'README.md': 'hi' })), undefined);
  });

  test('discovers envs/<env>/values.yaml and chains dev → staging → prod', async () => {
    const dir = folder({ 'envs/prod/values.yaml': values('1.0.3'), 'envs/dev/values.yaml': values('1.0.5'), 'envs/staging/values.yaml': values('1.0.4') });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => e.id), ['dev', 'staging', 'prod']);
    const [dev, staging, prod] = p.environments;
    assert.deepEqual(dev!.promotesTo, ['staging']);
    assert.equal(staging!.promoteFrom, 'dev');
    assert.deepEqual(staging!.promotesTo, ['prod']);
    assert.equal(prod!.protected, true);
    assert.equal(dev!.protected, false);
    assert.equal(dev!.relFile, 'envs/dev/values.yaml');
    assert.deepEqual(dev!.locator, { kind: 'helm', path: ['image', 'tag'] });
    const state = await readEnvironmentFile(staging!);
    assert.ok(state.ok);
    assert.equal(state.declared.tag, '1.0.4');
  });

  test('discovers overlays/<env>/kustomization.yaml', async () => {
    const dir = folder({ 'overlays/dev/kustomization.yaml': kustomization('a1'), 'overlays/production/kustomization.yaml': kustomization('a0') });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.environments.map((e) => [e.id, e.locator.kind, e.promoteFrom ?? '-', e.protected]), [
      ['dev', 'kustomize', '-', false],
      ['production', 'kustomize', 'dev', true],
    ]);
    const s = await readEnvironmentFile(p.environments[1]!);
    assert.ok(s.ok && s.declared.tag === 'a0');
  });

  test('discovers apps/<app>/overlays/<env> with one chain per app', async () => {
    const dir = folder({
      'apps/api/overlays/dev/kustomization.yaml': kustomization('1'),
      'apps/api/overlays/prod/kustomization.yaml': kustomization('1'),
      'apps/web/overlays/dev/kustomization.yaml': kustomization('2'),
      'apps/web/overlays/staging/kustomization.yaml': kustomization('2'),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.environments.map((e) => `${e.id}<${e.promoteFrom ?? ''}`), ['api/dev<', 'api/prod<api/dev', 'web/dev<', 'web/staging<web/dev']);
    assert.deepEqual(p.environments.map((e) => e.app), ['api', 'api', 'web', 'web']);
  });

  test('unconventional names are listed but not chained', async () => {
    const dir = folder({ 'envs/blue/values.yaml': values('1'), 'envs/green/values.yaml': values('2') });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.environments.map((e) => [e.id, e.promoteFrom, e.promotesTo.length]), [['blue', undefined, 0], ['green', undefined, 0]]);
  });

  test('gitops-pilot.yaml with a separate GitOps repository', async () => {
    const root = folder({
      'app/gitops-pilot.yaml': 'gitops:\n  repo: ../app-gitops\nenvironments:\n  - name: qa\n    file: deploy/qa.yaml\n    path: web.image.tag\n  - name: live\n    file: deploy/live/kustomization.yaml\n    kustomizeImage: web\n    promoteFrom: qa\n    protected: true\n    workload: rollout/web\n    argocd: { application: web-live }\n',
      'app-gitops/deploy/qa.yaml': 'web:\n  image:\n    tag: "7"\n',
      'app-gitops/deploy/live/kustomization.yaml': 'images:\n- name: web\n  newTag: "6"\n',
    });
    const p = (await loadProject(join(root, 'app')))!;
    assert.deepEqual(p.problems, []);
    assert.equal(p.gitopsRoot, join(root, 'app-gitops'));
    const [qa, live] = p.environments;
    assert.deepEqual(qa!.locator, { kind: 'helm', path: ['web', 'image', 'tag'] });
    assert.deepEqual(live!.workload, { kind: 'rollout', name: 'web' });
    assert.deepEqual(live!.argocd, { application: 'web-live', namespace: 'argocd' });
    assert.deepEqual(qa!.promotesTo, ['live']);
    const tags = await Promise.all(p.environments.map(async (e) => { const s = await readEnvironmentFile(e); return s.ok ? s.declared.tag : s.error.message; }));
    assert.deepEqual(tags, ['7', '6']);
  });

  test('flux: a Kustomization (namespace flux-system by default) or a HelmRelease', async () => {
    const dir = folder({
      'gitops-pilot.yaml': 'environments:\n  - { name: dev, file: d.yaml, flux: { kustomization: apps-dev } }\n  - { name: prod, file: p.yaml, flux: { helmRelease: web, namespace: prod } }\n',
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => e.flux), [{ kind: 'Kustomization', name: 'apps-dev', namespace: 'flux-system' }, { kind: 'HelmRelease', name: 'web', namespace: 'prod' }]);
    const both = await loadProject(folder({ 'gitops-pilot.yaml': 'environments:\n  - { name: dev, file: d.yaml, flux: { kustomization: a, helmRelease: b } }\n' }));
    assert.match(both!.problems.map((x) => x.message).join('\n'), /must not set "kustomization" and "helmRelease" together/);
  });

  test('config order is kept; promotion puts sources first', async () => {
    const dir = folder({
      'gitops-pilot.yaml': 'environments:\n  - { name: prod, file: p.yaml, promoteFrom: staging }\n  - { name: staging, file: s.yaml, promoteFrom: dev }\n  - { name: dev, file: d.yaml }\n',
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.environments.map((e) => e.id), ['dev', 'staging', 'prod']);
  });

  test('a missing GitOps repository is a located problem', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'gitops:\n  repo: ../nowhere\n' });
    const p = (await loadProject(dir))!;
    assert.equal(p.problems.length, 1);
    assert.equal(p.problems[0]!.code, 'config.gitopsRepoMissing');
    assert.equal(p.problems[0]!.location?.line, 2);
  });

  test('promoteFrom naming an unknown environment, itself, or a cycle is reported', async () => {
    const dir = folder({
      'gitops-pilot.yaml': 'environments:\n  - { name: a, file: a.yaml, promoteFrom: b }\n  - { name: b, file: b.yaml, promoteFrom: a }\n  - { name: c, file: c.yaml, promoteFrom: nope }\n  - { name: d, file: d.yaml, promoteFrom: d }\n',
    });
    const p = (await loadProject(dir))!;
    const codes = p.problems.map((x) => x.code).sort();
    assert.deepEqual(codes, ['config.promoteCycle', 'config.promoteSelf', 'config.promoteUnknown'], 'one problem per cycle');
    assert.equal(p.environments.length, 4, 'environments are still listed');
    assert.ok(p.problems.every((x) => x.location && x.location.line >= 2));
  });

  test('a file outside the GitOps repository is refused', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'environments:\n  - name: dev\n    file: ../../etc/passwd\n  - name: ok\n    file: ok.yaml\n' });
    const p = (await loadProject(dir))!;
    assert.equal(p.problems[0]?.code, 'config.fileOutsideRepo');
    assert.equal(p.problems[0]?.location?.line, 3);
    assert.deepEqual(p.environments.map((e) => e.id), ['ok']);
  });

  test('a symlink leaving the repository is refused when read', async () => {
    const dir = folder({ 'outside.yaml': values('x'), 'repo/envs/prod/values.yaml': values('1'), 'repo/envs/dev/.keep': '' });
    const repo = join(dir, 'repo');
    symlinkSync(join(dir, 'outside.yaml'), join(repo, 'envs/dev/values.yaml'));
    const p = (await loadProject(repo))!;
    const dev = p.environments.find((e) => e.id === 'dev');
    assert.ok(dev, 'dev is discovered');
    const s = await readEnvironmentFile(dev);
    assert.ok(!s.ok && s.error.code === 'config.fileOutsideRepo');
  });

  test('duplicate environment names are reported', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'environments:\n  - { name: dev, file: a.yaml }\n  - { name: dev, file: b.yaml }\n' });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems.map((x) => [x.code, x.location?.line]), [['config.duplicateEnvironment', 3]]);
    assert.equal(p.environments.length, 1);
  });

  test('an invalid config is reported and lists no environments', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'environments:\n  - name: dev\n', 'envs/dev/values.yaml': values('1') });
    const p = (await loadProject(dir))!;
    assert.equal(p.environments.length, 0);
    assert.equal(p.problems[0]?.code, 'config.invalid');
  });

  test('container: (and workload:) point an environment at a manifest; path: takes list selectors', async () => {
    const dir = folder({
      'gitops-pilot.yaml': [
        'environments:',
        '  - { name: dev, file: k8s/app.yaml, container: web, workload: deployment/app }',
        '  - { name: qa, file: argocd/app.yaml, path: "spec.source.helm.parameters[name=image.tag].value" }',
      ].join('\n'),
      'k8s/app.yaml': 'kind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: "ghcr.io/org/web:1.2"}\n',
      'argocd/app.yaml': 'kind: Application\nspec:\n  source:\n    helm:\n      parameters:\n      - {name: image.tag, value: v3}\n',
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    const [dev, qa] = p.environments;
    assert.deepEqual(dev!.locator, { kind: 'manifest', container: 'web', workload: 'deployment/app' });
    assert.deepEqual(dev!.workload, { kind: 'deployment', name: 'app' });
    assert.deepEqual(qa!.locator, { kind: 'helm', path: ['spec', 'source', 'helm', 'parameters[name=image.tag]', 'value'] });
    const [d, q] = await Promise.all(p.environments.map(readEnvironmentFile));
    assert.ok(d!.ok && d!.declared.repository === 'ghcr.io/org/web' && d!.declared.tag === '1.2');
    assert.ok(q!.ok && q!.declared.tag === 'v3');
  });

  test('container: with path:, or a malformed path, is a located problem', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'environments:\n  - name: dev\n    file: a.yaml\n    path: image\n    container: web\n  - name: qa\n    file: b.yaml\n    path: "a[name]"\n' });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems.map((x) => [x.code, x.location?.line]), [['config.locatorConflict', 5], ['path.invalid', 8]]);
  });

  test('discovers k8s/<env>/ and manifests/<env>/ folders holding one container; several containers are a problem', async () => {
    const deploy = (name: string, containers: string) => `kind: Deployment\nmetadata: {name: ${name}}\nspec:\n  template:\n    spec:\n${containers}`;
    const dir = folder({
      'k8s/dev/deployment.yaml': deploy('app', '      initContainers: [{name: init, image: busybox}]\n      containers: [{name: app, image: "ghcr.io/org/app:1"}]\n'),
      'k8s/dev/service.yaml': 'kind: Service\nmetadata: {name: app}\n',
      'manifests/staging/all.yml': deploy('app', '      containers: [{name: app, image: "ghcr.io/org/app:0.9"}]\n'),
      'k8s/prod/a.yaml': deploy('a', '      containers: [{name: a, image: "x:1"}, {name: b, image: "y:1"}]\n'),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.environments.map((e) => [e.id, e.relFile, e.promoteFrom]), [['dev', 'k8s/dev/deployment.yaml', undefined], ['staging', 'manifests/staging/all.yml', 'dev']]);
    assert.deepEqual(p.environments[0]!.locator, { kind: 'manifest', container: 'app' });
    assert.deepEqual(p.environments[0]!.workload, { kind: 'deployment', name: 'app' });
    assert.deepEqual(p.problems.map((x) => x.code), ['discovery.manyContainers']);
    assert.match(p.problems[0]!.hint!, /container: \(one of a, b\)/);
  });

  test('a missing or broken environment file is a per-environment error', async () => {
    const dir = folder({ 'gitops-pilot.yaml': 'environments:\n  - { name: dev, file: envs/dev/values.yaml }\n  - { name: qa, file: envs/qa/values.yaml }\n', 'envs/qa/values.yaml': 'image:\n  tag: [\n' });
    const p = (await loadProject(dir))!;
    const [dev, qa] = await Promise.all(p.environments.map(readEnvironmentFile));
    assert.ok(!dev!.ok && dev!.error.code === 'env.fileMissing' && /fix file: for "dev"/.test(dev!.error.hint ?? ''));
    assert.ok(!qa!.ok && qa!.error.kind === 'input' && qa!.error.location?.file.endsWith('envs/qa/values.yaml'));
  });
});
