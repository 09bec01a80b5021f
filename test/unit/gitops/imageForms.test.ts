/**
 * Every image form a locator reaches, read and edited in place (issue 14). Data-driven: each case is a file,
 * a locator, what it declares, a change, and the one line that must change (with its new text); every
 * other byte stays. The lead can add real repositories' files as cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { editImage, readImageAt, type EditLocator, type ImageChange } from '../../../src/core/gitops/imageEdit';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

interface FormCase {
  readonly name: string;
  readonly text: string;
  readonly locator: EditLocator;
  /** what the file declares before */
  readonly reads: { repository?: string; tag?: string; digest?: string };
  readonly change: ImageChange;
  /** 1-based line → its new text; every other line unchanged (a removed line: null) */
  readonly lines: Record<number, string | null>;
}

const helm = (path: string): EditLocator => ({ kind: 'helm', path: splitPath(path) });
function splitPath(p: string): string[] {
  return p.split(/\.(?![^[]*\])/);
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/org/app:1.0.4 # same image
      containers:
        - name: web
          image: "ghcr.io/org/app:1.0.4"
        - name: proxy
          image: envoyproxy/envoy:v1.30.0@${D1}
`;

const cases: FormCase[] = [
  {
    name: 'a tag key holding TAG@DIGEST (Flux image automation): tag and digest change in place, the repository beside it stays',
    text: `image:\n  repository: ghcr.io/onedr0p/sonarr-develop\n  tag: 4.0.0.433@${D1}\n`,
    locator: helm('image.tag'),
    reads: { repository: 'ghcr.io/onedr0p/sonarr-develop', tag: '4.0.0.433', digest: D1 },
    change: { tag: '4.0.0.500', digest: D2 },
    lines: { 3: `  tag: 4.0.0.500@${D2}` },
  },
  {
    name: 'a tag key holding TAG@DIGEST: a new tag alone drops the digest',
    text: `image:\n  repository: ghcr.io/onedr0p/sonarr-develop\n  tag: "4.0.0.433@${D1}" # pinned\n`,
    locator: helm('image.tag'),
    reads: { repository: 'ghcr.io/onedr0p/sonarr-develop', tag: '4.0.0.433', digest: D1 },
    change: { tag: '4.0.0.500' },
    lines: { 3: '  tag: "4.0.0.500" # pinned' },
  },

  {
    name: 'a whole reference in a values key (chatops.image): only the tag changes',
    text: 'chatops:\n  image: gcr.io/team/chatops:87918a8 # CI writes this\n  replicas: 1\n',
    locator: helm('chatops.image'),
    reads: { repository: 'gcr.io/team/chatops', tag: '87918a8' },
    change: { tag: 'abc1234' },
    lines: { 2: '  image: gcr.io/team/chatops:abc1234 # CI writes this' },
  },
  {
    name: 'a reference with a registry port and a digest: a new tag alone drops the digest',
    text: `app:\n  image: 'registry.local:5000/team/app:v1@${D1}'\n`,
    locator: helm('app.image'),
    reads: { repository: 'registry.local:5000/team/app', tag: 'v1', digest: D1 },
    change: { tag: 'v2' },
    lines: { 2: "  image: 'registry.local:5000/team/app:v2'" },
  },
  {
    name: 'a reference pinned by digest only: tag and digest set both',
    text: `image: ghcr.io/org/app@${D1}\n`,
    locator: helm('image'),
    reads: { repository: 'ghcr.io/org/app', digest: D1 },
    change: { tag: 'v2', digest: D2 },
    lines: { 1: `image: ghcr.io/org/app:v2@${D2}` },
  },
  {
    name: 'an image key without a tag gets one (nginx → nginx:1.27)',
    text: 'sidecar:\n  image: nginx\n',
    locator: helm('sidecar.image'),
    reads: { repository: 'nginx' },
    change: { tag: '1.27' },
    lines: { 2: '  image: nginx:1.27' },
  },
  {
    name: 'Helm tag with a pinned digest beside it: a new tag alone empties the digest',
    text: `image:\n  repository: ghcr.io/org/app\n  tag: v1\n  digest: ${D1}\n`,
    locator: helm('image.tag'),
    reads: { repository: 'ghcr.io/org/app', tag: 'v1', digest: D1 },
    change: { tag: 'v2' },
    lines: { 3: '  tag: v2', 4: '  digest: ""' },
  },
  {
    name: 'Kustomize newTag with a digest: a new tag alone removes the digest line',
    text: `images:\n- name: app\n  newName: ghcr.io/org/app\n  newTag: v1\n  digest: ${D1}\n`,
    locator: { kind: 'kustomize', image: 'app' },
    reads: { repository: 'ghcr.io/org/app', tag: 'v1', digest: D1 },
    change: { tag: 'v2' },
    lines: { 4: '  newTag: v2', 5: null },
  },
  {
    name: 'Kustomize newName that carries the tag (newName: registry/app:latest)',
    text: 'images:\n  - name: app\n    newName: registry.example.com:5000/team/app:latest\n  - name: db\n    newTag: "15"\n',
    locator: { kind: 'kustomize', image: 'app' },
    reads: { repository: 'registry.example.com:5000/team/app', tag: 'latest' },
    change: { tag: 'v2' },
    lines: { 3: '    newName: registry.example.com:5000/team/app:v2' },
  },
  {
    name: 'Kustomize newName that carries tag and digest: tag + digest',
    text: `images:\n- name: app\n  newName: ghcr.io/org/app:v1@${D1}\n`,
    locator: { kind: 'kustomize', image: 'app' },
    reads: { repository: 'ghcr.io/org/app', tag: 'v1', digest: D1 },
    change: { tag: 'v2', digest: D2 },
    lines: { 3: `  newName: ghcr.io/org/app:v2@${D2}` },
  },
  {
    name: 'a Deployment container picked by a list selector in the key path',
    text: deployment,
    locator: helm('spec.template.spec.containers[name=web].image'),
    reads: { repository: 'ghcr.io/org/app', tag: '1.0.4' },
    change: { tag: '1.0.5' },
    lines: { 13: '          image: "ghcr.io/org/app:1.0.5"' },
  },
  {
    name: 'an init container by name (manifest locator)',
    text: deployment,
    locator: { kind: 'manifest', container: 'migrate' },
    reads: { repository: 'ghcr.io/org/app', tag: '1.0.4' },
    change: { tag: '1.0.5' },
    lines: { 10: '          image: ghcr.io/org/app:1.0.5 # same image' },
  },
  {
    name: 'a container pinned by digest in a manifest: a new tag alone drops the digest',
    text: deployment,
    locator: { kind: 'manifest', container: 'proxy', workload: 'deployment/web' },
    reads: { repository: 'envoyproxy/envoy', tag: 'v1.30.0', digest: D1 },
    change: { tag: 'v1.31.0' },
    lines: { 15: '          image: envoyproxy/envoy:v1.31.0' },
  },
  {
    name: 'a strategic-merge patch fragment with only a containers list',
    text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.4\n',
    locator: { kind: 'manifest' },
    reads: { repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app', tag: '1.0.4' },
    change: { tag: '1.0.5' },
    lines: { 10: '        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.5' },
  },
  {
    name: 'a patch fragment without a kind',
    text: 'metadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1.0.4\n',
    locator: { kind: 'manifest', container: 'app' },
    reads: { repository: 'app', tag: '1.0.4' },
    change: { tag: '1.0.5' },
    lines: { 8: '        image: app:1.0.5' },
  },
  {
    name: 'a CronJob in a multi-document file, chosen by workload',
    text: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            image: ghcr.io/org/job:2024.1\n',
    locator: { kind: 'manifest', workload: 'cronjob/nightly' },
    reads: { repository: 'ghcr.io/org/job', tag: '2024.1' },
    change: { tag: '2024.2' },
    lines: { 16: '            image: ghcr.io/org/job:2024.2' },
  },
  {
    name: 'an Argo Rollout container',
    text: 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: demo\nspec:\n  template:\n    spec:\n      containers:\n      - name: demo\n        image: quay.io/org/demo:v1\n',
    locator: { kind: 'manifest', workload: 'rollout/demo' },
    reads: { repository: 'quay.io/org/demo', tag: 'v1' },
    change: { tag: 'v2' },
    lines: { 10: '        image: quay.io/org/demo:v2' },
  },
  {
    name: 'an Argo CD Application Helm parameter (parameters[name=image.tag].value)',
    text: 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: guestbook-dev\nspec:\n  source:\n    helm:\n      parameters:\n        - name: image.repository\n          value: ghcr.io/org/guestbook\n        - name: image.tag\n          value: "0.1.0"\n',
    locator: helm('spec.source.helm.parameters[name=image.tag].value'),
    // the repository: the [name=image.repository] entry beside it
    reads: { repository: 'ghcr.io/org/guestbook', tag: '0.1.0' },
    change: { tag: '0.2.0' },
    lines: { 12: '          value: "0.2.0"' },
  },
  {
    name: 'an Argo CD Application Helm valuesObject',
    text: 'kind: Application\nspec:\n  source:\n    helm:\n      valuesObject:\n        image:\n          repository: ghcr.io/org/guestbook\n          tag: 0.1.0\n',
    locator: helm('spec.source.helm.valuesObject.image.tag'),
    reads: { repository: 'ghcr.io/org/guestbook', tag: '0.1.0' },
    change: { tag: '0.2.0' },
    lines: { 8: '          tag: 0.2.0' },
  },
  {
    name: 'a Flux HelmRelease spec.values with a whole reference',
    text: 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  values:\n    image:\n      repository: ghcr.io/stefanprodan/podinfo\n      tag: 6.5.0\n    sidecar:\n      image: docker.io/library/busybox:1.36\n',
    locator: helm('spec.values.sidecar.image'),
    reads: { repository: 'docker.io/library/busybox', tag: '1.36' },
    change: { tag: '1.37' },
    lines: { 11: '      image: docker.io/library/busybox:1.37' },
  },
  {
    name: 'a list element by index',
    text: 'images:\n  - ghcr.io/org/a:1\n  - ref: ghcr.io/org/b:1\n',
    locator: helm('images[1].ref'),
    reads: { repository: 'ghcr.io/org/b', tag: '1' },
    change: { tag: '2' },
    lines: { 3: '  - ref: ghcr.io/org/b:"2"'.replace(':"2"', ':2') },
  },
];

function pick(d: { repository?: string; tag?: string; digest?: string }) {
  return { ...(d.repository !== undefined ? { repository: d.repository } : {}), ...(d.tag !== undefined ? { tag: d.tag } : {}), ...(d.digest !== undefined ? { digest: d.digest } : {}) };
}

describe('every image form: read, and edited in place', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pick(readImageAt(c.text, 'f.yaml', c.locator)), c.reads, 'reads what the file declares');
      const r = editImage(c.text, 'f.yaml', c.locator, c.change);
      const before = c.text.split('\n');
      const expected = before.flatMap((l, i) => (c.lines[i + 1] === null ? [] : [c.lines[i + 1] ?? l]));
      assert.equal(r.text, expected.join('\n'));
      const after = pick(r.after);
      assert.equal(after.tag, c.change.tag);
      assert.equal(after.digest, c.change.digest ?? undefined, 'the digest rule: a new tag alone drops the digest');
      if (c.reads.repository !== undefined) assert.equal(after.repository, c.reads.repository, 'the repository is kept');
      // the edit reads back the same through a fresh parse
      assert.deepEqual(pick(readImageAt(r.text, 'f.yaml', c.locator)), after);
    });
  }
});

function refusal(code: string, line?: number) {
  return (e: unknown) => {
    assert.ok(e instanceof PilotError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.kind, 'input');
    if (line !== undefined) assert.equal(e.location?.line, line, e.where);
    assert.ok(e.hint, 'says what to do');
    return true;
  };
}

describe('refusals: nothing that would deploy the wrong image', () => {
  test('a value that is not an image reference where one is expected (file:line:col)', () => {
    assert.throws(() => editImage('app:\n  image: "{{ .Values.registry }}/app:1"\n', 'v.yaml', helm('app.image'), { tag: 'v2' }), refusal('image.notReference', 2));
    assert.throws(() => editImage('app:\n  image: Not An Image\n', 'v.yaml', helm('app.image'), { tag: 'v2' }), refusal('image.notReference', 2));
  });
  test('an empty image key: a tag alone would name an image after the tag', () => {
    assert.throws(() => editImage('app:\n  image: ""\n', 'v.yaml', helm('app.image'), { tag: 'abc1234' }), refusal('image.noRepository', 2));
    assert.throws(() => editImage('app:\n  replicas: 1\n', 'v.yaml', helm('app.image'), { tag: 'abc1234' }), refusal('image.noRepository'));
  });
  test('a whole reference given where a tag is expected', () => {
    assert.throws(() => editImage('image:\n  tag: v1\n', 'v.yaml', helm('image.tag'), { tag: 'gcr.io/team/app:v2' }), refusal('image.referenceNotTag'));
  });
  test('a tag that would make an invalid reference (the repository grows past 255 characters)', () => {
    const long = `r.io/${'a'.repeat(240)}`;
    const text = `image: ${long}\n`;
    assert.equal(readImageAt(text, 'v.yaml', helm('image')).repository, long);
    assert.throws(() => editImage(text, 'v.yaml', helm('image'), { tag: 'v2', repository: `${long}/${'b'.repeat(20)}` }), (e: unknown) => e instanceof PilotError && e.kind === 'input');
  });
  test('a Kustomize entry with tagSuffix says why it is refused', () => {
    const text = 'images:\n- name: app\n  newTag: v1\n  tagSuffix: -debug\n';
    assert.throws(() => editImage(text, 'kustomization.yaml', { kind: 'kustomize', image: 'app' }, { tag: 'v2' }), (e: unknown) => refusal('kustomize.tagSuffix', 4)(e) && /appends/.test((e as Error).message));
  });
  test('a Kustomize newName carrying a tag next to a newTag', () => {
    const text = 'images:\n- name: app\n  newName: ghcr.io/org/app:latest\n  newTag: v1\n';
    assert.throws(() => editImage(text, 'kustomization.yaml', { kind: 'kustomize', image: 'app' }, { tag: 'v2' }), refusal('kustomize.tagTwice', 4));
  });
  test('a selector that matches nothing lists what is there; one that matches several is refused', () => {
    assert.throws(() => editImage(deployment, 'd.yaml', helm('spec.template.spec.containers[name=api].image'), { tag: 'v2' }), (e: unknown) => refusal('yaml.selectorNoMatch', 12)(e) && /web, proxy/.test((e as PilotError).hint!));
    const twice = 'list:\n- name: a\n  image: x:1\n- name: a\n  image: y:1\n';
    assert.throws(() => editImage(twice, 'd.yaml', helm('list[name=a].image'), { tag: 'v2' }), refusal('yaml.selectorAmbiguous', 4));
    assert.throws(() => editImage(deployment, 'd.yaml', helm('spec.template.spec.containers[name=web]'), { tag: 'v2' }), refusal('path.endsAtList'));
    assert.throws(() => editImage(deployment, 'd.yaml', helm('metadata[name=web].image'), { tag: 'v2' }), refusal('yaml.notList', 4));
  });
});
