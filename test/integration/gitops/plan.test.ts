/**
 * Setting an image as a plan and its commit, in the core on real git: the tag is checked and the file edited
 * once when planning; the commit writes the planned edit (it does not edit again) when the file is still
 * the planned text, refuses a file that changed after the user reviewed it, and edits afresh a file that
 * moved when no review pinned it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../../../src/core/config/model';
import { loadProject } from '../../../src/core/config/project';
import { PilotError } from '../../../src/core/errors';
import { commitSetImage, planSetImage, setImage, type OperationContext } from '../../../src/core/gitops/operations';
import { nullLogger } from '../../../src/core/log';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const files = {
  'envs/dev/values.yaml': 'image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: 1.0.4 # set by the pipeline\n',
  'envs/staging/values.yaml': `image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: "1.0.3"\n  digest: ${DIGEST}\n`,
};

describe('planSetImage → commitSetImage', () => {
  let fx: GitFixture;
  let work: string;
  let project: Project;
  let ctx: OperationContext;
  before(async () => {
    fx = gitFixture(files, 1);
    work = fx.clones[0]!;
    project = (await loadProject(work))!;
    ctx = { project, git: { log: nullLogger }, push: false };
  });
  after(() => fx.cleanup());
  const env = (id: string) => project.environments.find((e) => e.id === id)!;
  const file = (id: string) => join(work, `envs/${id}/values.yaml`);

  test('the commit writes the planned edit itself when the file is still the planned text', async () => {
    const plan = await planSetImage(ctx, { env: env('dev'), tag: '1.0.5' });
    assert.equal(plan.text, readFileSync(file('dev'), 'utf8'));
    assert.equal(plan.edit.text, plan.text.replace('tag: 1.0.4', 'tag: 1.0.5'));
    // a marker only the plan has: if the commit edited the file again, it would not be there
    const marked = { ...plan, edit: { ...plan.edit, text: plan.edit.text.replace('# set by the pipeline', '# set by the plan') } };
    const r = await commitSetImage(ctx, marked, { expectText: plan.text });
    assert.equal(r.status, 'committed');
    assert.equal(readFileSync(file('dev'), 'utf8'), marked.edit.text);
    assert.equal(git(work, 'show', 'HEAD:envs/dev/values.yaml') + '\n', marked.edit.text);
    assert.match(git(work, 'log', '-1', '--format=%s'), /^deploy\(dev\): demo-app 1\.0\.4 -> 1\.0\.5$/);
  });

  test('a file changed after the review is refused (nothing committed); without a review it is edited afresh', async () => {
    const plan = await planSetImage(ctx, { env: env('dev'), tag: '1.0.6' });
    const head = git(work, 'rev-parse', 'HEAD');
    const moved = plan.text.replace('# set by the plan', '# edited meanwhile');
    writeFileSync(file('dev'), moved);
    git(work, 'commit', '-qam', 'someone edits the comment');
    const head2 = git(work, 'rev-parse', 'HEAD');
    assert.notEqual(head2, head);
    await assert.rejects(commitSetImage(ctx, plan, { expectText: plan.text }), (e: unknown) => e instanceof PilotError && e.code === 'file.changed');
    assert.equal(readFileSync(file('dev'), 'utf8'), moved, 'file untouched');
    assert.equal(git(work, 'rev-parse', 'HEAD'), head2, 'nothing committed');
    const r = await commitSetImage(ctx, plan);
    assert.equal(r.status, 'committed');
    assert.equal(readFileSync(file('dev'), 'utf8'), moved.replace('tag: 1.0.5', 'tag: 1.0.6'));
  });

  test('the digest: kept when the tag stays, dropped with a new tag, the given one pinned', async () => {
    const same = await planSetImage(ctx, { env: env('staging'), tag: '1.0.3' });
    assert.equal(same.change.digest, DIGEST);
    assert.equal(same.edit.changed, false);
    const next = await planSetImage(ctx, { env: env('staging'), tag: '1.0.4' });
    assert.equal(next.change.digest, null);
    assert.match(next.edit.text, /tag: "1\.0\.4"\n {2}digest: ""\n$/);
    const pinned = await setImage(ctx, { env: env('staging'), tag: '1.0.4', digest: `sha256:${'ef'.repeat(32)}` });
    assert.equal(pinned.after.digest, `sha256:${'ef'.repeat(32)}`);
    assert.equal(readFileSync(file('staging'), 'utf8'), `image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: "1.0.4"\n  digest: sha256:${'ef'.repeat(32)}\n`);
  });

  test('bad input is refused while planning, before git or the file is touched', async () => {
    const before = readFileSync(file('dev'), 'utf8');
    for (const [req, code] of [
      [{ env: env('dev'), tag: '-x' }, 'tag.invalid'],
      [{ env: env('dev'), tag: '1.0.7', digest: 'sha256:nope' }, 'digest.invalid'],
      [{ env: env('dev'), tag: '1.0.7', sourceCommit: '--upload-pack=x' }, 'git.badCommit'],
    ] as const) {
      await assert.rejects(planSetImage(ctx, req), (e: unknown) => e instanceof PilotError && e.kind === 'input', code);
    }
    assert.equal(readFileSync(file('dev'), 'utf8'), before);
  });
});
