/**
 * The product on real public GitOps repositories (test/fixtures/repos; expectations in cases.json, read by hand).
 * For every case whose form the core handles: the declared image is the one in cases.json, and a bump changes
 * only the image bytes. Cases whose form is not handled yet are listed as skipped with the reason from
 * cases.json; the lead removes `pending` from a case once its form is supported.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverEnvironments } from '../../../src/core/config/project';
import { PilotError } from '../../../src/core/errors';
import { editImage, readImageAt } from '../../../src/core/gitops/imageEdit';
import {
  afterDigest,
  assertOnlyImageBytesChanged,
  editLocatorOf,
  fixtureFiles,
  fixtureText,
  realRepos,
  reposDir,
  type Declared,
  type RealCase,
} from '../../support/realRepos';

const { cases, layouts } = realRepos();

function declared(d: { repository?: string; tag?: string; digest?: string; present: boolean }): Declared {
  return { repository: d.repository ?? '', tag: d.tag ?? null, digest: d.digest ?? null, present: d.present };
}

describe('the real-repository fixtures', () => {
  test('every fixture file is listed in SOURCES.md with its exact length, and every listed file is there', () => {
    const sources = readFileSync(join(reposDir, 'SOURCES.md'), 'utf8');
    const rows = [...sources.matchAll(/^\| `([^`]+)` \|.*\| (\d+) \| [^|]+ \|$/gm)].map((m) => ({ file: m[1]!, chars: Number(m[2]) }));
    assert.deepEqual(rows.map((r) => r.file).sort(), fixtureFiles());
    for (const r of rows) assert.equal([...fixtureText(r.file)].length, r.chars, `${r.file} is byte-exact (${r.chars} characters)`);
  });

  test('cases.json: every case names a fixture file, a locator and an edit; ids are unique', () => {
    const files = new Set(fixtureFiles());
    assert.equal(new Set(cases.map((c) => c.id)).size, cases.length);
    for (const c of cases) {
      assert.ok(files.has(c.file), `${c.id}: ${c.file} exists`);
      assert.equal([c.path, c.kustomizeImage, c.container].filter((x) => x !== undefined).length, 1, `${c.id}: one of path, kustomizeImage, container`);
      assert.ok(c.edit.tag && c.edit.tag !== c.expect.tag, `${c.id}: the edit sets a new tag`);
    }
  });

  test('at least five repositories with cases the current code handles, and the forms issue 14 names', () => {
    const handled = cases.filter((c) => !c.pending);
    assert.ok(new Set(handled.map((c) => c.file.split('/')[0])).size >= 5);
    const forms = (pred: (c: RealCase) => boolean) => cases.filter(pred).length;
    assert.ok(forms((c) => c.kustomizeImage !== undefined && cases.filter((x) => x.file === c.file).length >= 9) >= 9, 'a multi-image kustomization');
    assert.ok(forms((c) => c.container !== undefined && /patch fragment/.test(c.form)) >= 1, 'a patch fragment');
    assert.ok(forms((c) => /k8s\/(prod|staging)\/deployment/.test(c.file)) >= 2, 'plain manifests per environment');
    assert.ok(forms((c) => /helm\.parameters/.test(c.path ?? '')) >= 1, 'Argo CD Helm parameters');
    assert.ok(forms((c) => /^spec\.values\./.test(c.path ?? '')) >= 1, 'a Flux HelmRelease');
    assert.ok(forms((c) => /whole reference/.test(c.form)) >= 2, 'whole references in values');
  });
});

describe('reading and bumping the image in real repositories', () => {
  for (const c of cases) {
    test(`${c.id}: ${c.form}`, (t) => {
      if (c.pending) {
        t.skip(`pending: ${c.pending}`);
        return;
      }
      const locator = editLocatorOf(c);
      assert.ok(typeof locator !== 'string', `${c.id}: the current locators cannot express ${locator as string}; mark the case pending in cases.json`);
      const before = fixtureText(c.file);
      if (c.expectError) {
        // broken upstream, or ambiguous: both refuse with the place to look at and what to do
        const x = c.expectError;
        const refused = (e: unknown) => e instanceof PilotError && e.code === x.code && e.location?.line === x.line && (e.hint ?? '').includes(x.hint ?? '');
        assert.throws(() => readImageAt(before, c.file, locator), refused, x.why);
        assert.throws(() => editImage(before, c.file, locator, { tag: c.edit.tag }), refused, x.why);
        return;
      }

      // what the environment lists
      assert.deepEqual(declared(readImageAt(before, c.file, locator)), c.expect);

      // the bump
      const r = editImage(before, c.file, locator, { tag: c.edit.tag, ...(c.edit.digest ? { digest: c.edit.digest } : {}) });
      assert.equal(r.changed, true);
      assertOnlyImageBytesChanged(c, before, r.text);
      const want: Declared = { repository: c.expect.repository, tag: c.edit.tag, digest: afterDigest(c), present: true };
      assert.deepEqual(declared(readImageAt(r.text, c.file, locator)), want, 'reading the bumped file gives the new image');
      assert.deepEqual(declared(r.after), want, 'the edit reports the new image');

      // bumping again to the same image changes nothing
      const again = editImage(r.text, c.file, locator, { tag: c.edit.tag, ...(c.edit.digest ? { digest: c.edit.digest } : {}) });
      assert.equal(again.changed, false);
      assert.equal(again.text, r.text);
    });
  }
});

describe('apps and environments of real multi-app layouts', () => {
  for (const l of layouts) {
    test(`${l.repo}: ${l.layout}`, async (t) => {
      if (l.pending) {
        t.skip(`pending: ${l.pending}`);
        return;
      }
      const { environments, problems } = await discoverEnvironments(join(reposDir, l.repo));
      assert.deepEqual(problems, []);
      const want = Object.entries(l.apps).flatMap(([app, envs]) => envs.map((env) => `${app}/${env}`)).sort();
      assert.deepEqual(environments.map((e) => `${e.app}/${e.name}`).sort(), want);
      // each discovered environment lists the image cases.json records for its file
      for (const e of environments) {
        if (l.withoutImage?.includes(e.app ?? '')) continue;
        const image = e.locator.kind === 'kustomize' ? e.locator.image : undefined;
        const c = cases.find((x) => `${l.repo}/${e.relFile}` === x.file && (image === undefined || x.kustomizeImage === image));
        assert.ok(c, `a case for ${e.relFile}`);
        assert.deepEqual(declared(readImageAt(fixtureText(c.file), c.file, e.locator)), c.expect, e.id);
      }
    });
  }
});

describe('the byte check itself fails on edits that change more than the image', () => {
  const byId = (id: string) => cases.find((c) => c.id === id)!;
  const manifest = byId('promotion prod-eu version.yml');
  const values = byId('kubernetes-gitops staging/frontend');
  const kust = byId('kargo-demo stages/test (no images: list yet)');
  const wrong: [string, RealCase, (t: string) => string][] = [
    ['the repository of a whole reference changes', manifest, (t) => t.replace('docker.io/kostiscodefresh/simple-env-app:3.0', 'kostiscodefresh/simple-env-app:3.1')],
    ['an unrelated line changes too', manifest, (t) => t.replace('simple-env-app:3.0', 'simple-env-app:3.1').replace('name: simple-deployment', 'name: other')],
    ['the final newline is dropped', manifest, (t) => t.replace('simple-env-app:3.0', 'simple-env-app:3.1').replace(/\n$/, '')],
    ['the trailing comment is dropped', values, (t) => t.replace('tag: staging # CI overwrites with commit SHA on each push', 'tag: sha-4f2a9c1')],
    ['the tag line and another value change', values, (t) => t.replace('tag: staging #', "tag: 'sha-4f2a9c1' #").replace('port: 80', 'port: 81')],
    ['the new tag is not the one asked for', values, (t) => t.replace('tag: staging #', 'tag: sha-0000000 #')],
    ['an inserted line other than the images entry', kust, (t) => `${t}images:\n- name: public.ecr.aws/nginx/nginx\n  newTag: 1.27.4\nnamespace: x\n`],
  ];
  for (const [what, c, mutate] of wrong) {
    test(what, () => {
      const before = fixtureText(c.file);
      const after = mutate(before);
      assert.notEqual(after, before);
      assert.throws(() => assertOnlyImageBytesChanged(c, before, after), assert.AssertionError);
    });
  }
  test('and passes the right edit of the same files', () => {
    assertOnlyImageBytesChanged(manifest, fixtureText(manifest.file), fixtureText(manifest.file).replace('simple-env-app:3.0', 'simple-env-app:3.1'));
    assertOnlyImageBytesChanged(values, fixtureText(values.file), fixtureText(values.file).replace('tag: staging #', 'tag: sha-4f2a9c1 #'));
  });
});
