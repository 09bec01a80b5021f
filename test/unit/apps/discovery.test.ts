import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { discoverEnvironments, loadProject } from '../../../src/core/config/project';
import { readEnvironmentFile } from '../../../src/core/gitops/environmentFile';
import { reposDir } from '../../support/realRepos';
import { folderMaker, tempDir } from '../../support/tmp';

const appValues = (apps: Record<string, string>) => Object.entries(apps).map(([a, t]) => `${a}:\n  replicas: 1\n  image:\n    repository: reg.example/${a}\n    tag: ${t}\n`).join('');
const kust = (images: Record<string, string>) => `resources:\n- ../../base\nimages:\n${Object.entries(images).map(([n, t]) => `- name: ${n}\n  newTag: ${t}\n`).join('')}`;

describe('multi-app discovery', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  const folder = folderMaker(tmp.dir);

  test('envs/<env>/values.yaml with several <app>.image keys: one environment per app, chained per app', async () => {
    const dir = folder({
      'envs/staging/values.yaml': appValues({ api: 'a2', web: 'w2' }),
      'envs/prod/values.yaml': appValues({ api: 'a1', web: 'w1' }),
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => [e.id, e.promoteFrom ?? '-', e.protected]), [
      ['api/staging', '-', false],
      ['api/prod', 'api/staging', true],
      ['web/staging', '-', false],
      ['web/prod', 'web/staging', true],
    ]);
    const s = await readEnvironmentFile(p.environments.find((e) => e.id === 'web/prod')!);
    assert.ok(s.ok && s.declared.tag === 'w1' && s.declared.repository === 'reg.example/web');
  });

  test('a single app under a subchart key is one environment at <key>.image.tag', async () => {
    const dir = folder({ 'envs/dev/api/values.yaml': appValues({ microservice: 'm1' }), 'envs/dev/web.yaml': 'image:\n  tag: w\n' });
    const { environments, problems } = await discoverEnvironments(dir);
    assert.deepEqual(problems, []);
    assert.deepEqual(environments.map((e) => [e.id, e.locator]), [
      ['api/dev', { kind: 'helm', path: ['microservice', 'image', 'tag'] }],
      ['web/dev', { kind: 'helm', path: ['image', 'tag'] }],
    ]);
  });

  test('overlays/<env> with several images: entries, and <app>/envs/<env>/values.yaml (two apps or more)', async () => {
    const dir = folder({
      'overlays/dev/kustomization.yaml': kust({ 'reg.example/shop/cart': '2', 'reg.example/shop/checkout': '2' }),
      'overlays/prod/kustomization.yaml': kust({ 'reg.example/shop/cart': '1', 'reg.example/shop/checkout': '1' }),
      'billing/envs/dev/values.yaml': 'image:\n  tag: b2\n',
      'billing/envs/prod/values.yaml': 'image:\n  tag: b1\n',
      'ledger/envs/dev/values.yaml': 'image:\n  tag: l1\n',
    });
    const p = (await loadProject(dir))!;
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.environments.map((e) => [e.id, e.locator.kind === 'kustomize' ? e.locator.image : e.relFile, e.promoteFrom ?? '-']), [
      ['cart/dev', 'reg.example/shop/cart', '-'],
      ['cart/prod', 'reg.example/shop/cart', 'cart/dev'],
      ['checkout/dev', 'reg.example/shop/checkout', '-'],
      ['checkout/prod', 'reg.example/shop/checkout', 'checkout/dev'],
      ['billing/dev', 'billing/envs/dev/values.yaml', '-'],
      ['billing/prod', 'billing/envs/prod/values.yaml', 'billing/dev'],
      ['ledger/dev', 'ledger/envs/dev/values.yaml', '-'],
    ]);
    const s = await readEnvironmentFile(p.environments.find((e) => e.id === 'checkout/prod')!);
    assert.ok(s.ok && s.declared.tag === '1');
  });

  test('one folder with envs/ inside, or a clone of its own, is not an app', async () => {
    assert.deepEqual((await discoverEnvironments(folder({ 'project/envs/dev/values.yaml': 'image:\n  tag: a\n' }))).environments, []);
    const clones = folder({ 'a/envs/dev/values.yaml': 'image:\n  tag: a\n', 'a/.git/HEAD': 'ref: refs/heads/main\n', 'b/envs/dev/values.yaml': 'image:\n  tag: b\n', 'b/.git/HEAD': 'ref: refs/heads/main\n' });
    assert.deepEqual((await discoverEnvironments(clones)).environments, []);
  });

  test('the single-app layouts mean the same as before (one images: entry, one image: key)', async () => {
    const dir = folder({ 'overlays/dev/kustomization.yaml': kust({ demo: '1' }), 'envs/dev/values.yaml': appValues({ only: 'x' }) });
    const { environments, problems } = await discoverEnvironments(dir);
    assert.equal(problems.length, 1, 'envs/dev and overlays/dev are both "dev"');
    assert.deepEqual(environments.map((e) => [e.id, e.app]), [['dev', undefined]]);
  });

  test('a real kustomization with nine images: entries: nine apps in dev and prod, each promoted dev → prod', async () => {
    const { environments, problems } = await discoverEnvironments(join(reposDir, 'digitalocean__kubernetes-sample-apps'));
    assert.deepEqual(problems, []);
    assert.equal(environments.length, 18);
    const prod = environments.filter((e) => e.name === 'prod');
    assert.equal(prod.length, 9);
    for (const e of prod) assert.equal(e.promoteFrom, `${e.app}/dev`);
  });
});
