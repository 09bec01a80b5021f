import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments, parseDocument } from 'yaml';
import { PilotError } from '../../../src/core/errors';
import { editImage, editImageFile, plainRoundTrips, readImageAt, type EditLocator, type ImageChange } from '../../../src/core/gitops/imageEdit';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const helm = (...path: string[]): EditLocator => ({ kind: 'helm', path });
const kust = (image?: string): EditLocator => ({ kind: 'kustomize', image });
const manifest = (container?: string, workload?: string): EditLocator => ({ kind: 'manifest', container, workload });

function edit(text: string, locator: EditLocator, change: ImageChange) {
  return editImage(text, 'values.yaml', locator, change);
}

/** The lines of b that differ from a, when both have the same number of lines. */
function changedLines(a: string, b: string): number[] {
  const la = a.split('\n');
  const lb = b.split('\n');
  assert.equal(lb.length, la.length, 'same number of lines');
  return lb.flatMap((l, i) => (l === la[i] ? [] : [i + 1]));
}

function refusal(code: string, line?: number) {
  return (e: unknown) => {
    assert.ok(e instanceof PilotError, String(e));
    assert.equal(e.kind, 'input', e.message);
    assert.equal(e.code, code, e.message);
    if (line !== undefined) assert.equal(e.location?.line, line, e.where);
    return true;
  };
}

// ---------------------------------------------------------------------------------------------------
describe('refusals leave the text and the file untouched', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gp-edit-'));
  after(() => rm(dir, { recursive: true, force: true }));
  let n = 0;

  /** The pure edit throws the input error; the file edit throws it too and leaves the bytes as they were. */
  async function refused(text: string, locator: EditLocator, change: ImageChange, code: string, line?: number) {
    assert.throws(() => edit(text, locator, change), refusal(code, line));
    const f = join(dir, `case-${n++}.yaml`);
    const bytes = Buffer.from(text, 'utf8');
    await writeFile(f, bytes);
    const mtime = (await stat(f)).mtimeMs;
    await assert.rejects(editImageFile(f, locator, change), refusal(code, line));
    assert.ok((await readFile(f)).equals(bytes), 'file byte-identical');
    assert.equal((await stat(f)).mtimeMs, mtime, 'file not rewritten');
    assert.ok(!(await readdir(dir)).some((x) => x.endsWith('.tmp')), 'no temporary file left');
  }

  const values = '# values\nimage:\n  repository: app # the app\n  tag: v1\n';

  test('malformed YAML (file:line:col)', async () => {
    await refused('image:\n  tag: [v1\n  other: 2\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.malformed');
    try {
      edit('image:\n  tag: "v1\n', helm('image', 'tag'), { tag: 'v2' });
      assert.fail('expected a refusal');
    } catch (e) {
      assert.match((e as PilotError).toUserString(), /^values\.yaml:\d+:\d+: /);
    }
  });
  test('a second document in a values file', () => refused('image:\n  tag: a\n---\nimage:\n  tag: b\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.multiDocument', 3));
  test('a missing intermediate key', () => refused(values, helm('imag', 'tag'), { tag: 'v2' }, 'yaml.pathMissing', 2));
  test('an intermediate key that is not a mapping', () => refused('image: app:v1\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.notMapping', 1));
  test('a path that ends at a mapping', () => refused('image:\n  tag:\n    a: 1\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.notScalar', 3));
  test('a path that ends at a list', () => refused('image:\n  tag: [a, b]\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.notScalar', 2));
  test('a duplicate key', () => refused('image:\n  tag: a\n  tag: b\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.duplicateKey', 3));
  test('an invalid tag', async () => {
    for (const tag of ['', '-v2', '.v2', 'v 2', 'x'.repeat(129), 'v2\n  evil: true', 'a@b']) {
      await refused(values, helm('image', 'tag'), { tag }, 'image.invalidTag');
    }
  });
  test('a whole reference given where a tag is expected', async () => {
    for (const tag of ['v2:x', 'gcr.io/team/app:1', `app@${D1}`, 'localhost:5000/app:v2']) {
      await refused(values, helm('image', 'tag'), { tag }, 'image.referenceNotTag');
    }
  });
  test('an invalid digest', async () => {
    for (const digest of ['sha256:abc', `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`, 'latest']) {
      await refused(values, helm('image', 'tag'), { tag: 'v2', digest }, 'image.invalidDigest');
    }
  });
  test('an invalid repository', async () => {
    for (const repository of ['Org/App', 'app:v1', '', 'a//b']) {
      await refused(values, helm('image', 'tag'), { tag: 'v2', repository }, 'image.invalidRepository');
    }
  });
  test('an empty change', () => refused(values, helm('image', 'tag'), {}, 'edit.empty'));
  test('a path through an alias (editing the anchor would change every user)', async () => {
    const text = 'base: &img\n  repository: app\n  tag: v1\nimage: *img\n';
    await refused(text, helm('image', 'tag'), { tag: 'v2' }, 'yaml.aliasPath', 4);
    try {
      edit(text, helm('image', 'tag'), { tag: 'v2' });
    } catch (e) {
      assert.match((e as PilotError).message, /alias \(\*img\) of "base"/);
      assert.match((e as PilotError).hint ?? '', /base\.tag/);
    }
  });
  test('a tag that is itself an alias', () => refused('v: &v v1\nimage:\n  tag: *v\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.aliasValue', 3));
  test('a Kustomize entry or list that is an alias', async () => {
    await refused('x: &e {name: app, newTag: v1}\nimages:\n- *e\n', kust('app'), { tag: 'v2' }, 'yaml.aliasPath', 3);
    await refused('x: &e\n- name: app\n  newTag: v1\nimages: *e\n', kust('app'), { tag: 'v2' }, 'yaml.aliasPath', 4);
  });
  test('a block scalar old value', async () => {
    await refused('image:\n  tag: |\n    v1\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.blockScalar', 2);
    await refused('image:\n  tag: >-\n    v1\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.blockScalar', 2);
  });
  test('a value spanning lines', async () => {
    await refused('image:\n  tag: "v1\n    more"\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.multiLineValue', 2);
    await refused('image:\n  tag: v1\n    more\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.multiLineValue', 2);
  });
  test('a value with a non-string tag', () => refused('image:\n  tag: !!int 3\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.taggedValue', 2));
  test('an empty value carrying an anchor', () => refused('image:\n  tag: &t\nx: *t\n', helm('image', 'tag'), { tag: 'v2' }, 'yaml.unsupported'));
  test('a digest where no digest key belongs', () => refused('image: es\nimageTag: "8.5.1"\n', helm('imageTag'), { tag: '8.6.0', digest: D1 }, 'helm.noDigestKey'));
  test('a repository without registry next to a registry key', () =>
    refused('image:\n  registry: docker.io\n  repository: org/app\n  tag: v1\n', helm('image', 'tag'), { repository: 'org/other' }, 'helm.registryNeeded', 2));
  test('Kustomize: images: null, several images and none named', async () => {
    await refused('images: null\n', kust('app'), { tag: 'v2' }, 'kustomize.imagesNull', 1);
    await refused('images:\n- name: a\n- name: b\n', kust(), { tag: 'v2' }, 'kustomize.ambiguousImage');
    await refused('images: {name: a}\n', kust('a'), { tag: 'v2' }, 'kustomize.imagesNotList');
  });
  test('manifests: no workload, unknown or ambiguous container, invalid current image, no image', async () => {
    const two = 'kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:v1\n      - name: side\n        image: side:v1\n';
    await refused('kind: Service\nmetadata: {name: s}\n', manifest(), { tag: 'v2' }, 'manifest.noWorkload');
    await refused(two, manifest('nope'), { tag: 'v2' }, 'manifest.containerNotFound');
    await refused(two, manifest(undefined, 'deployment/b'), { tag: 'v2' }, 'manifest.workloadNotFound');
    await refused(two, manifest(), { tag: 'v2' }, 'manifest.ambiguousContainer');
    await refused('kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${IMAGE}\n', manifest(), { tag: 'v2' }, 'manifest.invalidImage', 6);
    await refused('kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n', manifest(), { tag: 'v2' }, 'manifest.noImage', 5);
    await refused('kind: Pod\n---\nkind: [x\n', manifest(), { tag: 'v2' }, 'yaml.malformed');
  });
  test('a file that is not UTF-8', async () => {
    const f = join(dir, 'latin1.yaml');
    const bytes = Buffer.from([...Buffer.from('# caf'), 0xe9, ...Buffer.from('\nimage:\n  tag: v1\n')]);
    await writeFile(f, bytes);
    await assert.rejects(editImageFile(f, helm('image', 'tag'), { tag: 'v2' }), refusal('file.encoding'));
    assert.ok((await readFile(f)).equals(bytes));
  });
});

// ---------------------------------------------------------------------------------------------------
describe('quoting: the value reads back as the same string', () => {
  const tricky = ['1.10', '8.10', '1e3', '1E3', '0x1F', '0o17', '0b11', '1_000', 'true', 'True', 'false', 'null', 'Null', 'yes', 'no', 'on', 'off', 'y', 'n', '123', '0', '2024-01-01'];
  for (const tag of tricky) {
    test(`${tag}: plain old value → double quotes`, () => {
      const r = edit('image:\n  tag: v1 # c\n', helm('image', 'tag'), { tag });
      assert.equal(r.text, `image:\n  tag: "${tag}" # c\n`);
      assert.equal(parseDocument(r.text, { version: '1.1' }).getIn(['image', 'tag']), tag);
      assert.equal(parseDocument(r.text).getIn(['image', 'tag']), tag);
    });
  }
  test('single-quoted old value stays single-quoted', () => {
    assert.equal(edit("image:\n  tag: 'v1'\n", helm('image', 'tag'), { tag: '1.10' }).text, "image:\n  tag: '1.10'\n");
  });
  test('double-quoted old value stays double-quoted', () => {
    assert.equal(edit('image:\n  tag: "v1"\n', helm('image', 'tag'), { tag: 'v2' }).text, 'image:\n  tag: "v2"\n');
  });
  test('plain stays plain when it reads back as a string', () => {
    for (const tag of ['v2', '6.15.0', '1.2.3-rc.1', 'sha-3f9a1c2', 'latest', '8.2.1-debian-12-r0', '_x']) {
      assert.equal(edit('image:\n  tag: v1\n', helm('image', 'tag'), { tag }).text, `image:\n  tag: ${tag}\n`);
    }
  });
  test('an old number (tag: 1.10 read as 1.1) is rewritten as a string even when the text is the same', () => {
    const r = edit('image:\n  tag: 1.10\n', helm('image', 'tag'), { tag: '1.10' });
    assert.equal(r.changed, true);
    assert.equal(r.text, 'image:\n  tag: "1.10"\n');
  });
  test('an explicit !!str keeps its tag', () => {
    const r = edit('image:\n  tag: !!str 1.0\n', helm('image', 'tag'), { tag: '1.10' });
    assert.equal(parseDocument(r.text).getIn(['image', 'tag']), '1.10');
    assert.match(r.text, /tag: !!str /);
  });
  test('plainRoundTrips', () => {
    assert.equal(plainRoundTrips('v1.2.3'), true);
    assert.equal(plainRoundTrips('sha256:abc'), true);
    assert.equal(plainRoundTrips('sha256:abc', true), false);
    for (const v of ['', ' a', 'a ', '*a', '&a', '!a', '@a', '%a', '`a', '-1', '.5', 'a #b', 'a: b', '.inf', '~']) assert.equal(plainRoundTrips(v), false, v);
  });
  test('property: any valid tag, in any quote style, reads back as a string on one changed line', () => {
    const tagArb = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}$/);
    const oldArb = fc.constantFrom('v1', '"v1"', "'v1'", '""', '', 'null', '~', '1.5');
    fc.assert(
      fc.property(tagArb, oldArb, fc.boolean(), (tag, old, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = ['# c', 'image:', '  repository: app', `  tag:${old ? ` ${old}` : ''} # why`, '  pullPolicy: IfNotPresent', ''].join(eol);
        const r = edit(text, helm('image', 'tag'), { tag });
        assert.equal(parseDocument(r.text).getIn(['image', 'tag']), tag);
        assert.equal(parseDocument(r.text, { version: '1.1' }).getIn(['image', 'tag']), tag);
        if (r.changed) {
          assert.deepEqual(changedLines(text, r.text), [4]);
          assert.ok(r.text.split(eol)[3]!.endsWith(' # why'));
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
describe('Helm values', () => {
  test('only the bytes of the scalar change; comments, CRLF and the rest stay', () => {
    const text = '# top\r\nimage:   # block\r\n  repository: app\r\n  tag: "v1"   # pinned\r\n\r\nlong: ' + 'x'.repeat(200) + '\r\n';
    const r = edit(text, helm('image', 'tag'), { tag: 'v2' });
    assert.equal(r.text, text.replace('"v1"', '"v2"'));
    assert.deepEqual(r.lines, [4]);
    assert.equal(r.before.tag, 'v1');
    assert.equal(r.after.tag, 'v2');
  });
  test('empty values get the value: tag:, tag: "", tag: null, tag: ~, tag: # comment', () => {
    const cases: [string, string][] = [
      ['  tag:\n', '  tag: v2\n'],
      ['  tag: ""\n', '  tag: "v2"\n'],
      ["  tag: ''\n", "  tag: 'v2'\n"],
      ['  tag: null\n', '  tag: v2\n'],
      ['  tag: ~\n', '  tag: v2\n'],
      ['  tag:  # @schema type:[string, null]\n', '  tag: v2  # @schema type:[string, null]\n'],
      ['  tag:', '  tag: v2'],
    ];
    for (const [old, expected] of cases) {
      assert.equal(edit(`image:\n${old}`, helm('image', 'tag'), { tag: 'v2' }).text, `image:\n${expected}`, old);
    }
  });
  test('a missing leaf key is added after the last sibling, indented like it, with the line ending of the file', () => {
    const text = 'controller:\r\n    image:\r\n        repository: app # the app\r\n        pullPolicy: Always\r\n    replicas: 1\r\n';
    const r = edit(text, helm('controller', 'image', 'tag'), { tag: 'v2' });
    assert.equal(r.text, 'controller:\r\n    image:\r\n        repository: app # the app\r\n        pullPolicy: Always\r\n        tag: v2\r\n    replicas: 1\r\n');
    assert.deepEqual(r.lines, [5]);
    assert.equal(r.before.present, false);
    assert.equal(r.after.present, true);
  });
  test('a missing key after a nested last sibling goes after its content, before the next key', () => {
    const text = 'image:\n  repository: app\n  extra:\n    a: 1\n    b: [x]\n# next\nother: 1\n';
    assert.equal(edit(text, helm('image', 'tag'), { tag: 'v2' }).text, 'image:\n  repository: app\n  extra:\n    a: 1\n    b: [x]\n  tag: v2\n# next\nother: 1\n');
  });
  test('a missing key after a block scalar goes after the block', () => {
    const text = 'image:\n  repository: app\n  notes: |\n    hello\n    world\nother: 1\n';
    assert.equal(edit(text, helm('image', 'tag'), { tag: 'v2' }).text, 'image:\n  repository: app\n  notes: |\n    hello\n    world\n  tag: v2\nother: 1\n');
  });
  test('a missing key at the end of a file without a final newline', () => {
    assert.equal(edit('image:\n  repository: app', helm('image', 'tag'), { tag: 'v2' }).text, 'image:\n  repository: app\n  tag: v2');
  });
  test('an empty flow mapping is filled in; a flow mapping gets the key', () => {
    assert.equal(edit('image: {}\n', helm('image', 'tag'), { tag: '1.10' }).text, 'image: {tag: "1.10"}\n');
    assert.equal(edit('image: { repository: app }\n', helm('image', 'tag'), { tag: 'v2' }).text, 'image: { repository: app, tag: v2 }\n');
    assert.equal(edit('image: {repository: app, }\n', helm('image', 'tag'), { tag: 'v2' }).text, 'image: {repository: app, tag: v2 }\n');
    assert.equal(edit('image: {tag: v1}\n', helm('image', 'tag'), { tag: 'v2' }).text, 'image: {tag: v2}\n');
  });
  test('digest: added next to the tag, replaced, removed (set to "")', () => {
    const text = 'image:\n  repository: app\n  tag: v1\n  pullPolicy: Always\n';
    const added = edit(text, helm('image', 'tag'), { tag: 'v2', digest: D1 });
    assert.equal(added.text, `image:\n  repository: app\n  tag: v2\n  pullPolicy: Always\n  digest: ${D1}\n`);
    assert.deepEqual(added.lines, [3, 5]);
    assert.equal(added.after.digest, D1);
    assert.ok(added.warnings.some((w) => /chart must use it/.test(w)));

    const replaced = edit(`image:\n  tag: v1\n  digest: "${D1}" # pin\n`, helm('image', 'tag'), { tag: 'v2', digest: D2 });
    assert.equal(replaced.text, `image:\n  tag: v2\n  digest: "${D2}" # pin\n`);

    const removed = edit(`image:\n  tag: v1\n  digest: ${D1} # pin\n`, helm('image', 'tag'), { tag: 'v2', digest: null });
    assert.equal(removed.text, 'image:\n  tag: v2\n  digest: "" # pin\n');
    assert.equal(removed.after.digest, undefined);

    // removing a digest that is not there changes nothing else
    assert.equal(edit('image:\n  tag: v1\n  digest:\n', helm('image', 'tag'), { tag: 'v2', digest: null }).text, 'image:\n  tag: v2\n  digest:\n');
    assert.equal(edit('image:\n  tag: v1\n', helm('image', 'tag'), { tag: 'v2', digest: null }).text, 'image:\n  tag: v2\n');
  });
  test('a new tag alone empties the digest beside it (it would keep the old image running)', () => {
    const r = edit(`image:\n  tag: v1\n  digest: ${D1} # pin\n`, helm('image', 'tag'), { tag: 'v2' });
    assert.equal(r.text, 'image:\n  tag: v2\n  digest: "" # pin\n');
    assert.equal(r.after.digest, undefined);
  });
  test('repository: with a registry key, the registry host goes there', () => {
    const text = 'image:\n  registry: docker.io\n  repository: org/app\n  tag: v1\n';
    const r = edit(text, helm('image', 'tag'), { tag: 'v2', repository: 'ghcr.io/org/app2' });
    assert.equal(r.text, 'image:\n  registry: ghcr.io\n  repository: org/app2\n  tag: v2\n');
    assert.equal(r.after.repository, 'ghcr.io/org/app2');
    assert.equal(edit(text, helm('image', 'tag'), { repository: 'docker.io/org/other' }).text, 'image:\n  registry: docker.io\n  repository: org/other\n  tag: v1\n');
  });
  test('repository: the flat imageTag style edits image', () => {
    const r = edit('image: "docker.elastic.co/es/es"\nimageTag: "8.5.1"\n', helm('imageTag'), { tag: '8.10', repository: 'ghcr.io/x/es' });
    assert.equal(r.text, 'image: "ghcr.io/x/es"\nimageTag: "8.10"\n');
  });
  test('the same tag again changes nothing', () => {
    const r = edit('image:\n  tag: v1\n', helm('image', 'tag'), { tag: 'v1' });
    assert.equal(r.changed, false);
    assert.deepEqual(r.lines, []);
  });
  test('an anchored tag shared through an alias changes its users too, and says where', () => {
    const r = edit('image:\n  tag: &v v1\nsidecar:\n  tag: *v\n', helm('image', 'tag'), { tag: 'v2' });
    assert.equal(r.text, 'image:\n  tag: &v v2\nsidecar:\n  tag: *v\n');
    assert.deepEqual(r.alsoChanges, ['sidecar.tag (*v)']);
    assert.equal(parseDocument(r.text).toJS().sidecar.tag, 'v2');
  });
  test('an anchored mapping used by a merge key reports the merge user', () => {
    const r = edit('image: &img\n  repository: app\n  tag: v1\nworker:\n  <<: *img\n  pullPolicy: Always\n', helm('image', 'tag'), { tag: 'v2' });
    assert.deepEqual(r.alsoChanges, ['worker.<< (*img)']);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('Kustomize', () => {
  const k = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: app\n  newName: ghcr.io/org/app # moved\n  newTag: v1\n- name: other\n  newTag: v1\n';
  test('newTag of the named entry only', () => {
    const r = edit(k, kust('app'), { tag: 'v2' });
    assert.deepEqual(changedLines(k, r.text), [6]);
    assert.equal(r.after.repository, 'ghcr.io/org/app');
  });
  test('newName', () => {
    const r = edit(k, kust('app'), { repository: 'quay.io/org/app' });
    assert.equal(r.text, k.replace('newName: ghcr.io/org/app # moved', 'newName: quay.io/org/app # moved'));
    const added = edit(k, kust('other'), { repository: 'quay.io/org/other' });
    assert.equal(added.text, `${k}  newName: quay.io/org/other\n`);
    assert.equal(added.after.repository, 'quay.io/org/other');
  });
  test('digest: added, replaced, removed (its line removed), also at the end of a file without a final newline', () => {
    const added = edit(k, kust('other'), { tag: 'v2', digest: D1 });
    assert.equal(added.text, `${k.replace(/newTag: v1\n$/, 'newTag: v2\n')}  digest: ${D1}\n`);
    const withDigest = `images:\n- name: app\n  newTag: v1\n  digest: ${D1}\n- name: b\n  newTag: x\n`;
    assert.equal(edit(withDigest, kust('app'), { digest: D2 }).text, withDigest.replace(D1, D2));
    const removed = edit(withDigest, kust('app'), { tag: 'v2', digest: null });
    assert.equal(removed.text, 'images:\n- name: app\n  newTag: v2\n- name: b\n  newTag: x\n');
    assert.deepEqual(removed.removedLines, [4]);
    assert.equal(removed.after.digest, undefined);
    for (const eol of ['\n', '\r\n']) {
      const atEnd = ['images:', '- name: app', '  newTag: v1', `  digest: ${D1}`].join(eol);
      assert.equal(edit(atEnd, kust('app'), { tag: 'v2', digest: null }).text, ['images:', '- name: app', '  newTag: v2'].join(eol));
    }
  });
  test('an entry that is not listed is added, in the style of the list', () => {
    const indented = 'images:\n  - name: other\n    newTag: v1\n';
    const r = edit(indented, kust('app'), { tag: 'v2', repository: 'ghcr.io/org/app' });
    assert.equal(r.text, `${indented}  - name: app\n    newName: ghcr.io/org/app\n    newTag: v2\n`);
    assert.deepEqual(r.lines, [4, 5, 6]);
    assert.equal(edit('images: [{name: other, newTag: v1}]\n', kust('app'), { tag: '1.10' }).text, 'images: [{name: other, newTag: v1}, {name: app, newTag: "1.10"}]\n');
    assert.equal(edit('images: []\n', kust('app'), { tag: 'v1' }).text, 'images: [{name: app, newTag: v1}]\n');
  });
  test('the images: list is added when the kustomization has none, indented like its other lists', () => {
    assert.equal(edit('resources:\n- a.yaml\n', kust('app'), { tag: 'v1' }).text, 'resources:\n- a.yaml\nimages:\n- name: app\n  newTag: v1\n');
    assert.equal(edit('resources:\r\n  - a.yaml', kust('app'), { tag: 'v1' }).text, 'resources:\r\n  - a.yaml\r\nimages:\r\n  - name: app\r\n    newTag: v1');
    assert.equal(edit('kind: Kustomization\nimages:\nresources:\n- a.yaml\n', kust('app'), { tag: 'v1' }).text, 'kind: Kustomization\nimages:\n- name: app\n  newTag: v1\nresources:\n- a.yaml\n');
    assert.equal(edit('{resources: [a.yaml]}\n', kust('app'), { tag: 'v1' }).text, '{resources: [a.yaml], images: [{name: app, newTag: v1}]}\n');
  });
  test('the only entry is used when no name is configured', () => {
    assert.equal(edit('images:\n- name: a\n  newTag: "1"\n', kust(), { tag: 'v2' }).text, 'images:\n- name: a\n  newTag: "v2"\n');
  });
});

// ---------------------------------------------------------------------------------------------------
describe('Kubernetes manifests', () => {
  const multi = [
    '# app',
    'apiVersion: v1',
    'kind: Service',
    'metadata: {name: app}',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: app',
    'spec:',
    '  template:',
    '    spec:',
    '      initContainers:',
    '        - name: migrate',
    '          image: "ghcr.io/org/app:v1" # same image',
    '      containers:',
    '        - name: app',
    '          image: ghcr.io/org/app:v1',
    '        - name: sidecar',
    `          image: envoyproxy/envoy:v1.30.0@${D1}`,
    '---',
    'apiVersion: batch/v1',
    'kind: CronJob',
    'metadata:',
    '  name: nightly',
    'spec:',
    '  jobTemplate:',
    '    spec:',
    '      template:',
    '        spec:',
    '          containers:',
    '          - name: job',
    "            image: 'registry.local:5000/job:1.0'",
    '',
  ].join('\n');
  const docsJs = (t: string) => parseAllDocuments(t).map((d) => d.toJS());

  test('a container by name in a multi-document file', () => {
    const r = edit(multi, manifest('app'), { tag: 'v2' });
    assert.deepEqual(changedLines(multi, r.text), [18]);
    assert.match(r.text.split('\n')[17]!, /^ {10}image: ghcr\.io\/org\/app:v2$/);
    assert.equal(r.before.tag, 'v1');
    assert.equal(r.after.tag, 'v2');
    assert.equal(r.after.repository, 'ghcr.io/org/app');
  });
  test('an init container, keeping quotes and comment', () => {
    const r = edit(multi, manifest('migrate'), { tag: '1.10' });
    assert.equal(r.text.split('\n')[14], '          image: "ghcr.io/org/app:1.10" # same image');
    assert.deepEqual(changedLines(multi, r.text), [15]);
  });
  test('digest replaced and removed in the reference', () => {
    assert.equal(edit(multi, manifest('sidecar'), { tag: 'v1.31.0', digest: D2 }).text.split('\n')[19], `          image: envoyproxy/envoy:v1.31.0@${D2}`);
    assert.equal(edit(multi, manifest('sidecar'), { digest: null }).text.split('\n')[19], '          image: envoyproxy/envoy:v1.30.0');
    assert.equal(edit(multi, manifest('app'), { tag: 'v1', digest: D2 }).text.split('\n')[17], `          image: ghcr.io/org/app:v1@${D2}`);
  });
  test('a CronJob by workload, with a new repository (registry with port)', () => {
    const r = edit(multi, manifest(undefined, 'cronjob/nightly'), { tag: '1.1', repository: 'registry.local:5000/job2' });
    assert.deepEqual(changedLines(multi, r.text), [33]);
    assert.equal(r.text.split('\n')[32], "            image: 'registry.local:5000/job2:1.1'");
    const docs = docsJs(r.text);
    const before = docsJs(multi);
    before[2].spec.jobTemplate.spec.template.spec.containers[0].image = 'registry.local:5000/job2:1.1';
    assert.deepEqual(docs, before);
  });
  test('the only container of a Pod (CRLF), a StatefulSet, a DaemonSet and a Rollout in flow style', () => {
    const pod = 'apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: nginx\r\n';
    assert.equal(edit(pod, manifest(), { tag: '1.27' }).text, pod.replace('image: nginx', 'image: nginx:1.27'));
    for (const kind of ['StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']) {
      const t = `kind: ${kind}\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: app:v1\n`;
      assert.equal(edit(t, manifest(), { tag: 'v2' }).text, t.replace('app:v1', 'app:v2'), kind);
    }
    const rollout = 'kind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "nginx:1"}]\n';
    assert.equal(edit(rollout, manifest(undefined, 'Rollout/r'), { tag: 'v2' }).text, rollout.replace('nginx:1', 'nginx:v2'));
  });
  test('readImageAt reads manifests and values alike', () => {
    assert.deepEqual(
      (({ repository, tag, digest }) => ({ repository, tag, digest }))(readImageAt(multi, 'm.yaml', manifest('sidecar'))),
      { repository: 'envoyproxy/envoy', tag: 'v1.30.0', digest: D1 },
    );
    assert.equal(readImageAt('image:\n  tag: v3\n', 'v.yaml', helm('image', 'tag')).tag, 'v3');
  });
});

// ---------------------------------------------------------------------------------------------------
describe('editImageFile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gp-editfile-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const text = '# dev\nimage:\n  repository: app\n  tag: v1 # current\n';

  test('writes the edit atomically, keeps the file mode, leaves no temporary file', async () => {
    const f = join(dir, 'mode.yaml');
    await writeFile(f, text);
    await chmod(f, 0o640);
    const r = await editImageFile(f, helm('image', 'tag'), { tag: 'v2' });
    assert.equal(r.written, true);
    assert.equal(await readFile(f, 'utf8'), text.replace('v1 #', 'v2 #'));
    if (process.platform !== 'win32') assert.equal((await stat(f)).mode & 0o7777, 0o640);
    assert.deepEqual((await readdir(dir)).filter((x) => x.startsWith('.')), []);
  });
  test('expectText: refused when the file is not what the user confirmed', async () => {
    const f = join(dir, 'expect.yaml');
    await writeFile(f, text);
    const seen = text.replace('v1', 'v0');
    await assert.rejects(editImageFile(f, helm('image', 'tag'), { tag: 'v2' }, { expectText: seen }), refusal('file.changed', 4));
    assert.equal(await readFile(f, 'utf8'), text);
    const ok = await editImageFile(f, helm('image', 'tag'), { tag: 'v2' }, { expectText: text });
    assert.equal(ok.written, true);
  });
  test('dryRun and unchanged edits write nothing', async () => {
    const f = join(dir, 'dry.yaml');
    await writeFile(f, text);
    const mtime = (await stat(f)).mtimeMs;
    const dry = await editImageFile(f, helm('image', 'tag'), { tag: 'v2' }, { dryRun: true });
    assert.equal(dry.written, false);
    assert.equal(dry.changed, true);
    assert.equal(dry.text, text.replace('v1 #', 'v2 #'));
    const same = await editImageFile(f, helm('image', 'tag'), { tag: 'v1' });
    assert.equal(same.written, false);
    assert.equal(same.changed, false);
    assert.equal(await readFile(f, 'utf8'), text);
    assert.equal((await stat(f)).mtimeMs, mtime);
  });
});
