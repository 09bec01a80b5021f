import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { readEnvironmentFile } from '../../../src/core/gitops/environmentFile';
import { folderMaker, tempDir } from '../../support/tmp';

const values = (app: string, tag: string) => `${app}:\n  image:\n    repository: reg.example/${app}\n    tag: ${tag}\n`;

describe('apps: in gitops-pilot.yaml', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  const folder = folderMaker(tmp.dir);

  test('a shared environment template with {app} / {env}: one Environment per app × env, chained per app', async () => {
    const dir = folder({
      'gitops-pilot.yaml': [
        'apps:',
        '  - name: api',
        '  - name: web',
        '    image: reg.example/web',
        'environments:',
        '  - name: staging',
        '    file: envs/{env}/values.yaml',
        '    path: "{app}.image.tag"',
        '    workload: deployment/{app}',
        '    cluster:',
        '      context: kind-{env}',
        '      namespace: shop-{env}',
        '  - name: prod',
        '    file: envs/{env}/values.yaml',
        '    path: "{app}.image.tag"',
        '    promoteFrom: staging',
        '    protected: true',
        '',
      ].join('\n'),
      'envs/staging/values.yaml': values('api', 'a2') + values('web', 'w2'),
      'envs/prod/values.yaml': values('api', 'a1') + values('web', 'w1'),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => [e.id, e.app, e.name, e.promoteFrom ?? '-']), [
      ['api/staging', 'api', 'staging', '-'],
      ['api/prod', 'api', 'prod', 'api/staging'],
      ['web/staging', 'web', 'staging', '-'],
      ['web/prod', 'web', 'prod', 'web/staging'],
    ]);
    const webStaging = p.environments.find((e) => e.id === 'web/staging')!;
    assert.deepEqual(webStaging.locator, { kind: 'helm', path: ['web', 'image', 'tag'] });
    assert.deepEqual(webStaging.workload, { kind: 'deployment', name: 'web' });
    assert.deepEqual(webStaging.cluster, { context: 'kind-staging', namespace: 'shop-staging' });
    assert.equal(p.environments.find((e) => e.id === 'api/prod')!.protected, true);
    const s = await readEnvironmentFile(p.environments.find((e) => e.id === 'web/prod')!);
    assert.ok(s.ok && s.declared.tag === 'w1');
  });

  test('{app} / {env} in the Argo CD application and the Flux object names of a shared template', async () => {
    const dir = folder({
      'gitops-pilot.yaml': [
        'apps:',
        '  - name: api',
        '  - name: web',
        'environments:',
        '  - name: staging',
        '    file: envs/{env}/values.yaml',
        '    path: "{app}.image.tag"',
        '    argocd: { application: "{app}-{env}" }',
        '  - name: prod',
        '    file: envs/{env}/values.yaml',
        '    path: "{app}.image.tag"',
        '    flux: { helmRelease: "{app}-{env}", namespace: "{env}" }',
        '',
      ].join('\n'),
      'envs/staging/values.yaml': values('api', 'a2') + values('web', 'w2'),
      'envs/prod/values.yaml': values('api', 'a1') + values('web', 'w1'),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    const env = (id: string) => p.environments.find((e) => e.id === id)!;
    assert.equal(env('web/staging').argocd?.application, 'web-staging');
    assert.deepEqual(env('api/prod').flux, { kind: 'HelmRelease', name: 'api-prod', namespace: 'prod' });
    assert.deepEqual(env('web/prod').flux, { kind: 'HelmRelease', name: 'web-prod', namespace: 'prod' });
    // without apps: nothing fills them in, and the file says where
    const single = (await loadProject(folder({ 'gitops-pilot.yaml': 'environments:\n  - name: dev\n    file: v.yaml\n    flux: { kustomization: "{app}-dev" }\n', 'v.yaml': 'image:\n  tag: a\n' })))!;
    assert.deepEqual(single.problems.map((e) => [e.code, e.location?.line]), [['config.badFluxName', 4]]);
  });

  test('an app with its own environments; the single-app form still means the same', async () => {
    const dir = folder({
      'gitops-pilot.yaml': 'apps:\n  - name: api\n    environments:\n      - { name: dev, file: api/dev.yaml, path: api.image.tag }\n',
      'api/dev.yaml': values('api', 'x'),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => e.id), ['api/dev']);
    const single = (await loadProject(folder({ 'gitops-pilot.yaml': 'environments:\n  - { name: dev, file: v.yaml }\n', 'v.yaml': 'image:\n  tag: a\n' })))!;
    assert.deepEqual(single.environments.map((e) => [e.id, e.app]), [['dev', undefined]]);
  });

  test('errors carry file:line:col: a duplicate app, a template that gives two apps the same image, {app} without apps:', async () => {
    const dup = (await loadProject(folder({
      'gitops-pilot.yaml': 'apps:\n  - name: api\n  - name: api\nenvironments:\n  - { name: dev, file: "{app}.yaml" }\n',
      'api.yaml': 'image:\n  tag: a\n',
    })))!;
    assert.deepEqual(dup.problems.map((e) => [e.code, e.location?.line, e.location?.col]), [['config.duplicateApp', 3, 11]]);
    assert.deepEqual(dup.environments.map((e) => e.id), ['api/dev']);

    const shared = (await loadProject(folder({
      'gitops-pilot.yaml': 'apps:\n  - name: api\n  - name: web\nenvironments:\n  - { name: dev, file: v.yaml }\n',
      'v.yaml': 'image:\n  tag: a\n',
    })))!;
    assert.deepEqual(shared.problems.map((e) => e.code), ['config.sharedImage']);
    assert.deepEqual(shared.environments.map((e) => e.id), ['api/dev'], 'the second app that would move the same image is left out');

    const outside = (await loadProject(folder({ 'gitops-pilot.yaml': 'environments:\n  - name: dev\n    file: "{app}.yaml"\n' })))!;
    assert.deepEqual(outside.problems.map((e) => [e.code, e.location?.line]), [['config.placeholderOutsideApps', 3]]);
    assert.deepEqual(outside.environments, []);

    const badName = (await loadProject(folder({
      'gitops-pilot.yaml': 'apps:\n  - name: Api_1\nenvironments:\n  - name: dev\n    file: v.yaml\n    workload: deployment/{app}\n',
      'v.yaml': 'image:\n  tag: a\n',
    })))!;
    assert.deepEqual(badName.problems.map((e) => [e.code, e.location?.line]), [['config.badWorkload', 6]]);
  });

  test('the schema refuses an unknown key in an app, at its line', async () => {
    const p = (await loadProject(folder({ 'gitops-pilot.yaml': 'apps:\n  - name: api\n    tag: 1\n' })))!;
    assert.equal(p.problems[0]!.code, 'config.invalid');
    assert.equal(p.problems[0]!.location?.line, 3);
  });
});
