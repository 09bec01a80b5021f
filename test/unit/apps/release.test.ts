import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { nullLogger } from '../../../src/core/log';
import { applyImageEdits, type WriteFile } from '../../../src/core/release/commitImages';
import { diffEnvironments, diffSummary, shaOfTag } from '../../../src/core/release/diff';
import { promoteRelease } from '../../../src/core/release/promote';
import { atomicWriteFile } from '../../../src/core/util/atomicWrite';
import { git, gitFixture } from '../../support/gitRepos';
import { tempDir, writeTree } from '../../support/tmp';

const appValues = (apps: Record<string, string>) => Object.entries(apps).map(([a, t]) => `${a}:\n  image:\n    repository: reg.example/${a}\n    tag: ${t}\n`).join('');

describe('applying a release to the files', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  test('a write failing on the 7th of 11 files puts the 6 written back: all files or none', async () => {
    const dir = join(tmp.dir, 'w');
    const files: Record<string, string> = {};
    for (let i = 1; i <= 11; i++) files[`envs/staging/a${String(i).padStart(2, '0')}.yaml`] = 'image:\n  tag: s\n', files[`envs/prod/a${String(i).padStart(2, '0')}.yaml`] = 'image:\n  tag: p\n';
    writeTree(dir, files);
    const p = (await loadProject(dir))!;
    const prod = p.environments.filter((e) => e.name === 'prod');
    assert.equal(prod.length, 11);
    let n = 0;
    const write: WriteFile = async (file, text, expect) => {
      if (++n === 7) throw new Error('disk full');
      await atomicWriteFile(file, text, { expectContent: expect });
    };
    await assert.rejects(applyImageEdits(prod.map((env) => ({ env, change: { tag: 's2', digest: null } })), write), /disk full/);
    assert.equal(n, 7);
    for (const e of prod) assert.equal(readFileSync(e.file, 'utf8'), 'image:\n  tag: p\n', e.id);
  });

  test('apps sharing one values file: their edits are applied in turn, one write', async () => {
    const dir = join(tmp.dir, 's');
    writeTree(dir, { 'envs/staging/values.yaml': appValues({ api: 'a2', web: 'w2' }), 'envs/prod/values.yaml': appValues({ api: 'a1', web: 'w1' }) });
    const p = (await loadProject(dir))!;
    let writes = 0;
    const write: WriteFile = async (file, text, expect) => {
      writes++;
      await atomicWriteFile(file, text, { expectContent: expect });
    };
    const prod = p.environments.filter((e) => e.name === 'prod');
    const r = await applyImageEdits(prod.map((env) => ({ env, change: { tag: `${env.app![0]}9`, digest: null } })), write);
    assert.equal(writes, 1);
    assert.deepEqual(r.map((a) => [a.env.id, a.before.tag, a.after.tag]), [['api/prod', 'a1', 'a9'], ['web/prod', 'w1', 'w9']]);
    assert.equal(readFileSync(prod[0]!.file, 'utf8'), appValues({ api: 'a9', web: 'w9' }));
  });
});

describe('diff and release on one values file of several apps (real git, no push)', () => {
  test('diffSummary, then one commit for both apps', async () => {
    const fx = gitFixture({ 'envs/staging/values.yaml': appValues({ api: 'a2', web: 'w1', db: 'd1' }), 'envs/prod/values.yaml': appValues({ api: 'a1', web: 'w1', db: 'd0' }) });
    try {
      const work = fx.clones[0]!;
      const project = (await loadProject(work))!;
      const d = await diffEnvironments(project, 'staging', 'prod', { git: { log: nullLogger } });
      assert.equal(diffSummary(d), '3 apps · 2 differ from staging');
      const ctx = { project, git: { log: nullLogger }, push: false as const };
      const r = await promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true });
      assert.equal(r.status, 'committed');
      assert.equal(git(work, 'log', '-1', '--format=%s'), 'promote(prod): 2 apps from staging');
      assert.equal(readFileSync(join(work, 'envs/prod/values.yaml'), 'utf8'), appValues({ api: 'a2', web: 'w1', db: 'd1' }));
      assert.equal(git(work, 'rev-list', '--count', 'HEAD'), '2');
    } finally {
      fx.cleanup();
    }
  });

  test('shaOfTag: git-SHA tags only', () => {
    assert.equal(shaOfTag('sha-4f2a9c1'), '4f2a9c1');
    assert.equal(shaOfTag('main-4f2a9c1'), '4f2a9c1');
    assert.equal(shaOfTag('4f2a9c1e'), '4f2a9c1e');
    assert.equal(shaOfTag('1.2.3'), undefined);
    assert.equal(shaOfTag('20240101'), undefined);
    assert.equal(shaOfTag(undefined), undefined);
  });
});
