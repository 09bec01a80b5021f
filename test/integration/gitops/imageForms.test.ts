/**
 * Every image form through the bundled CLI (dist/cli.js) on real git repositories: `set-image` on each form
 * (data-driven: the lead can add real repositories' files as rows), `bump` on environments configured with
 * container:, a whole-reference path and a list-selector path, and `kubectl kustomize` (the real one on
 * this machine) rendering the image after each Kustomize edit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli } from '../../support/cliProcess';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import { tempDir } from '../../support/tmp';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const deployment = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: ${image}
${extra}`;

/** `kubectl kustomize DIR`: the images of the rendered containers. */
function renderedImages(dir: string): string[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/^\s*(?:- )?image: (\S+)$/gm)].map((m) => m[1]!);
}

/** The new or changed lines of `b` (compared with `a`), and how many lines `b` has more than `a`. */
function diff(a: string, b: string): { changed: string[]; lineDelta: number } {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length === y.length) return { changed: y.filter((l, i) => l !== x[i]), lineDelta: 0 };
  return { changed: y.filter((l) => !x.includes(l)), lineDelta: y.length - x.length };
}

interface SetImageRow {
  readonly name: string;
  readonly files: Record<string, string>;
  /** the file edited, relative to the fixture */
  readonly file: string;
  readonly args: readonly string[];
  /** the new text of each changed line */
  readonly changed: readonly string[];
  /** lines added (positive) or removed (negative) */
  readonly lineDelta?: number;
  /** a kustomization folder to render afterwards, and the images it must render */
  readonly render?: { dir: string; images: readonly string[] };
}

const rows: SetImageRow[] = [
  {
    name: 'a whole reference in a values key: the repository stays, the tag changes',
    files: { 'values.yaml': 'chatops:\n  image: gcr.io/team/chatops:87918a8 # written by CI\n' },
    file: 'values.yaml',
    args: ['--path', 'chatops.image', '--tag', 'abc1234'],
    changed: ['  image: gcr.io/team/chatops:abc1234 # written by CI'],
  },
  {
    name: 'Helm tag with a stale digest: a new tag alone empties the digest',
    files: { 'values.yaml': `image:\n  repository: ghcr.io/org/app\n  tag: v1\n  digest: ${D1}\n` },
    file: 'values.yaml',
    args: ['--path', 'image.tag', '--tag', 'v2'],
    changed: ['  tag: v2', '  digest: ""'],
  },
  {
    name: 'Kustomize entry with a stale digest: the digest line goes, kubectl kustomize renders the new tag',
    files: {
      'k/kustomization.yaml': `resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: ghcr.io/org/app\n  newTag: v1\n  digest: ${D1}\n`,
      'k/deployment.yaml': deployment('app'),
    },
    file: 'k/kustomization.yaml',
    args: ['--kustomize-image', 'app', '--tag', 'v2'],
    changed: ['  newTag: v2'],
    lineDelta: -1,
    render: { dir: 'k', images: ['ghcr.io/org/app:v2'] },
  },
  {
    name: 'Kustomize tag + digest: both set, rendered as repo:tag@digest',
    files: {
      'k/kustomization.yaml': 'resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: ghcr.io/org/app\n  newTag: v1\n',
      'k/deployment.yaml': deployment('app'),
    },
    file: 'k/kustomization.yaml',
    args: ['--kustomize-image', 'app', '--tag', 'v2', '--digest', D2],
    changed: ['  newTag: v2', `  digest: ${D2}`],
    lineDelta: 1,
    render: { dir: 'k', images: [`ghcr.io/org/app:v2@${D2}`] },
  },
  {
    name: 'Kustomize newName that carries the tag, in a multi-image kustomization',
    files: {
      'k/kustomization.yaml': 'resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: registry.example.com:5000/team/app:latest\n- name: sidecar\n  newTag: "1.2"\n',
      'k/deployment.yaml': deployment('app', '      - name: sidecar\n        image: sidecar\n'),
    },
    file: 'k/kustomization.yaml',
    args: ['--kustomize-image', 'app', '--tag', 'sha-abc1234'],
    changed: ['  newName: registry.example.com:5000/team/app:sha-abc1234'],
    render: { dir: 'k', images: ['registry.example.com:5000/team/app:sha-abc1234', 'sidecar:1.2'] },
  },
  {
    name: 'a strategic-merge patch fragment (Deployment with one container), rendered through its overlay',
    files: {
      'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'base/deployment.yaml': deployment('ghcr.io/org/app:1.0.0'),
      'envs/qa/kustomization.yaml': 'resources:\n- ../../base\npatches:\n- path: version.yml\n',
      'envs/qa/version.yml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/org/app:1.0.4\n',
    },
    file: 'envs/qa/version.yml',
    args: ['--container', 'app', '--tag', '1.0.5'],
    changed: ['        image: ghcr.io/org/app:1.0.5'],
    render: { dir: 'envs/qa', images: ['ghcr.io/org/app:1.0.5'] },
  },
  {
    name: 'a multi-document manifest: the CronJob chosen with --workload',
    files: { 'm.yaml': `${deployment('ghcr.io/org/app:1')}---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            image: ghcr.io/org/app:1\n` },
    file: 'm.yaml',
    args: ['--workload', 'cronjob/nightly', '--tag', '2'],
    changed: ['            image: ghcr.io/org/app:2'],
  },
  {
    name: 'a container by list selector in the key path',
    files: { 'd.yaml': deployment('"ghcr.io/org/app:1"', '      - name: web\n        image: nginx:1.27\n') },
    file: 'd.yaml',
    args: ['--path', 'spec.template.spec.containers[name=web].image', '--tag', '1.28'],
    changed: ['        image: nginx:1.28'],
  },
  {
    name: 'an Argo CD Application Helm parameter',
    files: { 'app.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: guestbook\nspec:\n  source:\n    helm:\n      parameters:\n      - name: image.repository\n        value: ghcr.io/org/guestbook\n      - name: image.tag\n        value: v0.1.0\n' },
    file: 'app.yaml',
    args: ['--path', 'spec.source.helm.parameters[name=image.tag].value', '--tag', 'v0.2.0'],
    changed: ['        value: v0.2.0'],
  },
  {
    name: 'a Flux HelmRelease spec.values',
    files: { 'hr.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  values:\n    image:\n      repository: ghcr.io/stefanprodan/podinfo\n      tag: 6.5.0\n' },
    file: 'hr.yaml',
    args: ['--path', 'spec.values.image.tag', '--tag', '6.5.1'],
    changed: ['      tag: 6.5.1'],
  },
];

describe('set-image on every form (bundled CLI)', () => {
  const tmp = tempDir('gitops-pilot-forms-');
  after(() => tmp.cleanup());
  rows.forEach((row, i) => {
    test(row.name, () => {
      const dir = join(tmp.dir, `case-${i}`);
      for (const [rel, text] of Object.entries(row.files)) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
      }
      const before = row.files[row.file]!;
      const r = cli(dir, 'set-image', '--file', row.file, ...row.args, '--json');
      assert.equal(r.code, 0, r.err);
      const after = readFileSync(join(dir, row.file), 'utf8');
      const d = diff(before, after);
      assert.deepEqual(d.changed, row.changed);
      assert.equal(d.lineDelta, row.lineDelta ?? 0);
      if (row.render) assert.deepEqual(renderedImages(join(dir, row.render.dir)), row.render.images);
    });
  });

  test('refusals exit 2 and leave the file byte-identical', () => {
    const dir = join(tmp.dir, 'refusals');
    mkdirSync(dir, { recursive: true });
    const cases: [string, string, string[], RegExp][] = [
      ['v.yaml', 'app:\n  image: "{{ .Values.registry }}/app:1"\n', ['--path', 'app.image', '--tag', 'v2'], /v\.yaml:2:\d+.*not an image reference/s],
      ['w.yaml', 'image:\n  tag: v1\n', ['--path', 'image.tag', '--tag', 'gcr.io/team/app:v2'], /whole image reference, not a tag/],
      ['x.yaml', 'app:\n  image: ""\n', ['--path', 'app.image', '--tag', 'abc1234'], /image named after the tag/],
      ['kustomization.yaml', 'images:\n- name: app\n  newTag: v1\n  tagSuffix: -debug\n', ['--kustomize-image', 'app', '--tag', 'v2'], /tagSuffix/],
      ['m.yaml', deployment('ghcr.io/org/app:1'), ['--container', 'nope', '--tag', 'v2'], /no container named "nope"/],
    ];
    for (const [name, text, args, message] of cases) {
      writeFileSync(join(dir, name), text);
      const r = cli(dir, 'set-image', '--file', name, ...args);
      assert.equal(r.code, 2, `${name}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} untouched`);
    }
  });
});

const config = `image:
  repository: 127.0.0.1:5000/chart-app
gitops:
  repo: .
  branch: main
environments:
  - name: chat
    file: values/chatops.yaml
    path: chatops.image
  - name: qa
    file: envs/qa/version.yml
    container: app
  - name: argo
    file: argocd/app-dev.yaml
    path: spec.source.helm.parameters[name=image_tag].value
  - name: multi
    file: k8s/multi.yaml
    container: api
    workload: deployment/api
`;

describe('bump on the new forms, configured in gitops-pilot.yaml', () => {
  let fx: GitFixture;
  let work: string;
  before(() => {
    fx = gitFixture({
      'gitops-pilot.yaml': config,
      'values/chatops.yaml': `chatops:\n  image: "gcr.io/team/chatops:87918a8@${D1}"\n`,
      'envs/qa/version.yml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/org/app:1.0.4\n',
      'argocd/app-dev.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-dev\nspec:\n  source:\n    helm:\n      parameters:\n      - name: image_tag\n        value: v280\n',
      'k8s/multi.yaml': `${deployment('ghcr.io/org/app:1')}---\n${deployment('ghcr.io/org/api:1').replace(/name: app/g, 'name: api')}`,
    });
    work = fx.clones[0]!;
  });
  after(() => fx.cleanup());
  const read = (rel: string) => readFileSync(join(work, rel), 'utf8');
  const body = () => git(fx.bare, 'log', '-1', '--format=%b', 'main');

  test('envs lists every environment with its image', () => {
    const r = cli(work, 'envs', '--json');
    assert.equal(r.code, 0, r.err);
    const envs = JSON.parse(r.out).environments as { name: string; repository: string | null; tag: string | null; digest: string | null; error: unknown }[];
    const by = Object.fromEntries(envs.map((e) => [e.name, e]));
    assert.deepEqual([by.chat!.repository, by.chat!.tag, by.chat!.digest], ['gcr.io/team/chatops', '87918a8', D1]);
    assert.deepEqual([by.qa!.repository, by.qa!.tag], ['ghcr.io/org/app', '1.0.4']);
    assert.deepEqual([by.argo!.repository, by.argo!.tag], [null, 'v280']);
    assert.deepEqual([by.multi!.repository, by.multi!.tag], ['ghcr.io/org/api', '1']);
    for (const e of envs) assert.equal(e.error, null, e.name);
  });

  test('a whole reference: the repository stays, the stale digest goes, the trailer names the image', () => {
    const r = cli(work, 'bump', '--env', 'chat', '--tag', 'abc1234');
    assert.equal(r.code, 0, r.err);
    assert.equal(read('values/chatops.yaml'), 'chatops:\n  image: "gcr.io/team/chatops:abc1234"\n');
    assert.match(body(), /^Image: gcr\.io\/team\/chatops:abc1234$/m);
  });

  test('a patch fragment by container:', () => {
    const r = cli(work, 'bump', '--env', 'qa', '--tag', '1.0.5');
    assert.equal(r.code, 0, r.err);
    assert.match(read('envs/qa/version.yml'), /^ {8}image: ghcr\.io\/org\/app:1\.0\.5$/m);
    assert.equal(fx.remoteSubjects().at(-1), 'deploy(qa): app 1.0.4 -> 1.0.5');
  });

  test('a tag-only Argo CD parameter: the trailer uses the configured image.repository (not ?:v281)', () => {
    const r = cli(work, 'bump', '--env', 'argo', '--tag', 'v281');
    assert.equal(r.code, 0, r.err);
    assert.match(read('argocd/app-dev.yaml'), /^ {8}value: v281$/m);
    assert.match(body(), /^Image: 127\.0\.0\.1:5000\/chart-app:v281$/m);
    assert.match(body(), /^Previous-Image: 127\.0\.0\.1:5000\/chart-app:v280$/m);
  });

  test('workload: picks the workload in a multi-workload file; --container on the command line overrides', () => {
    const before = read('k8s/multi.yaml');
    const r = cli(work, 'bump', '--env', 'multi', '--tag', '2');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(diff(before, read('k8s/multi.yaml')).changed, ['        image: ghcr.io/org/api:2']);
    const other = cli(work, 'bump', '--env', 'multi', '--workload', 'deployment/app', '--container', 'app', '--tag', '3');
    assert.equal(other.code, 0, other.err);
    assert.match(read('k8s/multi.yaml'), /image: ghcr\.io\/org\/app:3\n/);
  });

  test('bad input: exit 2, nothing committed', () => {
    const n = fx.remoteSubjects().length;
    const before = read('values/chatops.yaml');
    for (const args of [['--env', 'chat', '--tag', 'gcr.io/team/chatops:v9'], ['--env', 'multi', '--container', 'nope', '--tag', 'v9']]) {
      const r = cli(work, 'bump', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    assert.equal(read('values/chatops.yaml'), before);
    assert.equal(fx.remoteSubjects().length, n);
  });
});

describe('discovery: a plain manifest folder per environment', () => {
  let fx: GitFixture;
  let work: string;
  before(() => {
    fx = gitFixture({
      'k8s/dev/deployment.yaml': deployment('ghcr.io/org/app:1.0.4'),
      'k8s/dev/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  ports: [{port: 80}]\n',
      'k8s/staging/deployment.yaml': deployment('ghcr.io/org/app:1.0.3'),
    });
    work = fx.clones[0]!;
  });
  after(() => fx.cleanup());

  test('each folder is an environment; bump and promote change only the tag', () => {
    const envs = JSON.parse(cli(work, 'envs', '--json').out).environments as { name: string; file: string; tag: string; workload: string | null }[];
    assert.deepEqual(envs.map((e) => [e.name, e.file, e.tag, e.workload]), [
      ['dev', 'k8s/dev/deployment.yaml', '1.0.4', 'deployment/app'],
      ['staging', 'k8s/staging/deployment.yaml', '1.0.3', 'deployment/app'],
    ]);
    const r = cli(work, 'bump', '--env', 'dev', '--tag', '1.0.5');
    assert.equal(r.code, 0, r.err);
    const p = cli(work, 'promote', '--from', 'dev', '--to', 'staging');
    assert.equal(p.code, 0, p.err);
    // (the fixture's git helper trims its output)
    assert.equal(fx.remoteFile('k8s/staging/deployment.yaml').trimEnd(), deployment('ghcr.io/org/app:1.0.5').trimEnd());
  });
});
