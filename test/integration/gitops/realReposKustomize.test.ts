/**
 * The real Kustomize overlays and patch fragments of test/fixtures/repos, bumped by the core on disk and
 * rendered by the real `kubectl kustomize`: the containers the entry targets render the new image
 * (repository kept, new tag, digest as set), and no other container changes. Where a repository's bases were
 * not kept, cases.json says what the test writes into its temporary copy (`render.stubFiles`,
 * `render.stubWorkloads`); the edited file itself is always the byte-exact upstream one.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { editImageFile } from '../../../src/core/gitops/imageEdit';
import { KUBECTL, kubectlInstalled } from '../../support/kubesim/kubectl';
import { run } from '../../support/proc';
import { assertOnlyImageBytesChanged, editLocatorOf, expectedReference, realRepos, reposDir, type RealCase } from '../../support/realRepos';
import { tempDir, writeTree } from '../../support/tmp';

/** `<kind>/<name> <container>` -> image, for every container and init container kubectl rendered. */
async function render(dir: string): Promise<Map<string, string>> {
  const r = await run(KUBECTL, ['kustomize', dir], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `kubectl kustomize ${dir}: ${r.stderr}`);
  const images = new Map<string, string>();
  for (const doc of parseAllDocuments(r.stdout)) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: unknown } | null;
    const podSpec = (o?.spec as { template?: { spec?: unknown } } | undefined)?.template?.spec as Record<string, unknown> | undefined;
    for (const field of ['initContainers', 'containers']) {
      for (const c of (podSpec?.[field] as { name: string; image: string }[] | undefined) ?? []) images.set(`${o!.kind}/${o!.metadata?.name} ${c.name}`, c.image);
    }
  }
  assert.ok(images.size > 0, `kubectl kustomize ${dir} rendered containers`);
  return images;
}

/** A Deployment per image, each with one container running that image as the kustomization names it. */
function workloads(images: readonly string[]): Record<string, string> {
  const name = (image: string) => image.split('/').pop()!.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const files: Record<string, string> = { 'kustomization.yaml': `resources:\n${images.map((i) => `- ${name(i)}.yaml\n`).join('')}` };
  for (const image of images) {
    const n = name(image);
    files[`${n}.yaml`] = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\nspec:\n  selector:\n    matchLabels:\n      app: ${n}\n  template:\n    metadata:\n      labels:\n        app: ${n}\n    spec:\n      containers:\n      - name: ${n}\n        image: ${image}\n`;
  }
  return files;
}

/** A temporary copy of the case's repository with the stand-ins cases.json asks for. */
function checkout(root: string, c: RealCase): string {
  const repo = c.file.split('/')[0]!;
  const dir = join(root, `${c.id.replace(/[^A-Za-z0-9]+/g, '-')}`);
  cpSync(join(reposDir, repo), dir, { recursive: true });
  const r = c.render!;
  if (r.stubWorkloads) {
    assert.ok(!existsSync(join(dir, r.stubWorkloads.dir, 'kustomization.yaml')), 'a stand-in never replaces a kept file');
    writeTree(join(dir, r.stubWorkloads.dir), workloads(r.stubWorkloads.images));
  }
  for (const rel of Object.keys(r.stubFiles ?? {})) assert.ok(!existsSync(join(dir, rel)), `${rel}: a stand-in never replaces a kept file`);
  writeTree(dir, { ...r.stubFiles });
  return dir;
}

describe('real Kustomize overlays: bump with the core, render with kubectl kustomize', () => {
  const { cases } = realRepos();
  const rendered = cases.filter((c) => c.render);
  let tmp: ReturnType<typeof tempDir>;
  /** the render of the unedited copy, shared by the cases of one overlay */
  const pristine = new Map<string, Promise<Map<string, string>>>();
  before(() => {
    assert.ok(kubectlInstalled(), `kubectl not found at ${KUBECTL}`);
    tmp = tempDir('gitops-pilot-real-repos-');
  });
  after(() => tmp?.cleanup());

  test('cases.json has overlays to render: a multi-image one, a digest-pinned one, one without images:, a patch fragment', () => {
    assert.ok(rendered.filter((c) => !c.pending).length >= 20);
    assert.ok(rendered.some((c) => c.expect.digest && !c.pending));
    assert.ok(rendered.some((c) => !c.expect.present && c.kustomizeImage && !c.pending));
    assert.ok(rendered.some((c) => c.container && /patch fragment/.test(c.form) && !c.pending));
  });

  for (const c of rendered) {
    test(`${c.id}: ${c.render!.dir}`, async (t) => {
      if (c.pending) {
        t.skip(`pending: ${c.pending}`);
        return;
      }
      const locator = editLocatorOf(c);
      assert.ok(typeof locator !== 'string', locator as string);
      const dir = checkout(tmp.dir, c);
      const overlay = join(dir, c.render!.dir);
      const file = join(dir, c.file.slice(c.file.indexOf('/') + 1));
      const original = readFileSync(file, 'utf8');
      const key = JSON.stringify([c.file.split('/')[0], c.render]);
      if (!pristine.has(key)) pristine.set(key, render(overlay));
      const beforeImages = await pristine.get(key)!;

      const r = await editImageFile(file, locator, { tag: c.edit.tag, ...(c.edit.digest ? { digest: c.edit.digest } : {}) });
      assert.equal(r.written, true);
      assertOnlyImageBytesChanged(c, original, readFileSync(file, 'utf8'));

      const afterImages = await render(overlay);
      assert.deepEqual([...afterImages.keys()].sort(), [...beforeImages.keys()].sort(), 'the same containers render');
      const changed = [...afterImages].filter(([k, image]) => beforeImages.get(k) !== image);
      assert.ok(changed.length >= 1, `a container renders a new image (before: ${JSON.stringify([...beforeImages])})`);
      for (const [container, image] of changed) {
        assert.equal(image, expectedReference(c), `${container} renders the bumped image (was ${beforeImages.get(container)})`);
      }
    });
  }
});
