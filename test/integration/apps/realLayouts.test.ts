/**
 * Releases on real multi-app files from public repositories (test/fixtures/repos, byte-exact, SOURCES.md),
 * through the bundled CLI on real git with a bare remote:
 *   - Google's microservices-demo Kustomize file with eleven `images:` entries, as the overlay of staging
 *     and of prod (found without configuration: each entry an app);
 *   - OpenFaaS's values file with eight `<app>.image: repo:tag` keys, as staging's and prod's values,
 *     described by an `apps:` list sharing one environment template (`path: "{app}.image"`);
 *   - DigitalOcean's dev and prod overlays of nine images (one file per environment, another registry each).
 * Staging (dev) moves first, a tag per app; then `promote --all` is ONE commit touching only the tag bytes,
 * and prod's file ends byte for byte what the same edits make of the upstream file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { applyImageEdits } from '../../../src/core/release/commitImages';
import { cli } from '../../support/cliProcess';
import { git, gitFixture, read, type GitFixture } from '../../support/gitRepos';
import { fixtureText } from '../../support/realRepos';

const GOOGLE = 'GoogleCloudPlatform__microservices-demo/kustomize/components/container-images-tag/kustomization.yaml';
const OPENFAAS = 'openfaas__faas-netes/chart/openfaas/values-arm64.yaml';
const DO = 'digitalocean__kubernetes-sample-apps/microservices-demo/kustomize';
const OPENFAAS_APPS = ['gateway', 'faasnetes', 'operator', 'queueWorker', 'prometheus', 'alertmanager', 'faasIdler', 'basicAuthPlugin'];

/** Moves every app of `env` to its own new tag in one local commit, pushed: what CI did to staging. */
async function moveAll(work: string, env: string, tag: (app: string, i: number) => string): Promise<Map<string, string>> {
  const project = (await loadProject(work))!;
  assert.deepEqual(project.problems, []);
  const envs = project.environments.filter((e) => e.name === env);
  const tags = new Map(envs.map((e, i) => [e.app!, tag(e.app!, i)]));
  await applyImageEdits(envs.map((e) => ({ env: e, change: { tag: tags.get(e.app!)! } })));
  git(work, 'commit', '-q', '-am', `ci: ${env} moved`);
  git(work, 'push', '-q', 'origin', 'main');
  return tags;
}

/** The lines two texts differ in (same line count: a tag edit changes lines, never adds any). */
function changedLines(a: string, b: string): string[] {
  const [x, y] = [a.split('\n'), b.split('\n')];
  assert.equal(x.length, y.length, 'no line added or removed');
  return y.filter((l, i) => l !== x[i]);
}

function promoteAll(work: string, from: string, to: string): { apps: { app: string; after: { repository: string; tag: string } }[]; status: string; commit: string } {
  const r = cli(work, 'promote', '--from', from, '--to', to, '--all', '--yes', '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

describe('releases on real multi-app files (public repositories)', () => {
  const fixtures: GitFixture[] = [];
  const fixture = (files: Record<string, string>) => {
    const fx = gitFixture(files);
    fixtures.push(fx);
    return fx;
  };
  after(() => fixtures.forEach((f) => f.cleanup()));

  test('microservices-demo, eleven images: entries per overlay: diff, then 11 apps in one commit, only the newTag lines', async () => {
    const upstream = fixtureText(GOOGLE);
    const fx = fixture({ 'overlays/staging/kustomization.yaml': upstream, 'overlays/prod/kustomization.yaml': upstream });
    const work = fx.clones[0]!;
    const tags = await moveAll(work, 'staging', (_, i) => `v0.10.${i + 1}`);
    assert.equal(tags.size, 11);
    assert.deepEqual([...tags.keys()].slice(0, 2), ['adservice', 'cartservice']);

    const d = cli(work, 'diff', '--from', 'staging', '--to', 'prod', '--json');
    assert.equal(d.code, 0, d.err);
    assert.equal(JSON.parse(d.out).summary, '11 apps · 11 differ from staging');

    const out = promoteAll(work, 'staging', 'prod');
    assert.equal(out.status, 'pushed');
    assert.deepEqual(out.apps.map((a) => [a.app, a.after.tag]), [...tags]);
    assert.deepEqual(fx.remoteSubjects().slice(-1), ['promote(prod): 11 apps from staging']);
    assert.deepEqual(git(fx.bare, 'show', '--name-only', '--format=', 'main').split('\n'), ['overlays/prod/kustomization.yaml']);
    const body = git(fx.bare, 'log', '-1', '--format=%B', 'main');
    for (const [app, tag] of tags) assert.ok(body.includes(`Image: us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/${app}:${tag}\n`), app);
    const prod = read(join(work, 'overlays/prod/kustomization.yaml'));
    assert.equal(prod, read(join(work, 'overlays/staging/kustomization.yaml')), 'prod is what staging became');
    assert.deepEqual(changedLines(upstream, prod), [...tags.values()].map((t) => `  newTag: ${t}`), 'only the 11 newTag lines, the license header kept');
    assert.equal(cli(work, 'diff', '--from', 'staging', '--to', 'prod', '--json').out.includes('"summary": "11 apps · 0 differ from staging"'), true);
  });

  test('openfaas values-arm64.yaml, eight <app>.image keys, configured as apps with one template: 8 apps in one commit', async () => {
    const upstream = fixtureText(OPENFAAS);
    const config = [
      'apps:',
      ...OPENFAAS_APPS.map((a) => `  - name: ${a}`),
      'environments:',
      '  - name: staging',
      '    file: envs/{env}/values.yaml',
      '    path: "{app}.image"',
      '  - name: prod',
      '    file: envs/{env}/values.yaml',
      '    path: "{app}.image"',
      '    promoteFrom: staging',
      '    protected: true',
      '',
    ].join('\n');
    const fx = fixture({ 'gitops-pilot.yaml': config, 'envs/staging/values.yaml': upstream, 'envs/prod/values.yaml': upstream });
    const work = fx.clones[0]!;
    const tags = await moveAll(work, 'staging', (_, i) => `0.${i + 20}.0-arm64`);
    assert.deepEqual([...tags.keys()], OPENFAAS_APPS);

    const out = promoteAll(work, 'staging', 'prod');
    assert.equal(out.status, 'pushed');
    assert.equal(out.apps.length, 8);
    // faasnetes and operator share the repository openfaas/faas-netes: each key moves to its own tag
    assert.deepEqual(out.apps.filter((a) => a.after.repository === 'openfaas/faas-netes').map((a) => [a.app, a.after.tag]), [
      ['faasnetes', tags.get('faasnetes')],
      ['operator', tags.get('operator')],
    ]);
    assert.deepEqual(fx.remoteSubjects().slice(-1), ['promote(prod): 8 apps from staging']);
    const prod = read(join(work, 'envs/prod/values.yaml'));
    assert.equal(prod, read(join(work, 'envs/staging/values.yaml')));
    assert.equal(changedLines(upstream, prod).length, 8, 'only the eight image: lines');
    assert.match(prod, /\n {2}image: prom\/prometheus:0\.24\.0-arm64\n {2}resources:\n/);
    assert.match(prod, /# Unfortunately the exporter is not multi-arch \(yet\)\n/);
  });

  test('digitalocean dev → prod, nine images, another registry per environment: prod keeps its own newName lines', async () => {
    const [dev, prod] = [fixtureText(`${DO}/dev/kustomization.yaml`), fixtureText(`${DO}/prod/kustomization.yaml`)];
    const fx = fixture({ 'microservices-demo/kustomize/dev/kustomization.yaml': dev, 'microservices-demo/kustomize/prod/kustomization.yaml': prod });
    const work = fx.clones[0]!;
    const tags = await moveAll(work, 'dev', (_, i) => `1.${i + 1}.0`);
    assert.equal(tags.size, 9);
    const out = promoteAll(work, 'dev', 'prod');
    assert.equal(out.apps.length, 9);
    for (const a of out.apps) assert.equal(a.after.repository, `registry.digitalocean.com/do-microserv-demo/${a.app}`, 'the registry of prod');
    const after = read(join(work, 'microservices-demo/kustomize/prod/kustomization.yaml'));
    assert.deepEqual(changedLines(prod, after), [...tags.values()].map((t) => `    newTag: ${t}`));
    assert.equal(git(fx.bare, 'rev-list', '--count', 'main'), '3', 'the upstream files, dev moved, one release');
  });
});
