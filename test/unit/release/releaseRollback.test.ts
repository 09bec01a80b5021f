/** Rolling back a release from its History row: which rows offer it, and the plan the editor previews then commits. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { nullLogger } from '../../../src/core/log';
import { isReleaseSubject, planReleaseRollback, promoteRelease, rollbackRelease, rollbackSubjectEnv } from '../../../src/core/release/promote';
import { git, gitFixture } from '../../support/gitRepos';

const values = (app: string, tag: string) => `image:\n  repository: reg.example/${app}\n  tag: ${tag}\n`;

describe('rolling back a release from its History row', () => {
  test('release commits are recognised by their subject; single deployments are not', () => {
    assert.ok(isReleaseSubject('promote(prod): 11 apps from staging'));
    assert.ok(isReleaseSubject('promote(staging): 1 app from dev'));
    assert.ok(isReleaseSubject('rollback(prod): 2 apps of 1a2b3c4'));
    assert.ok(isReleaseSubject('rollback(staging,prod): 3 apps of 1a2b3c4'));
    assert.ok(!isReleaseSubject('promote(prod): demo-app 1.0.4 -> 1.0.5'));
    assert.ok(!isReleaseSubject('deploy(dev): api 1.0.0 -> 1.1.0'));
    assert.ok(!isReleaseSubject('bump 12 apps from staging'));
  });

  test('the plan names every app the commit moved (nothing written); committing it is one rollback commit', async () => {
    const files: Record<string, string> = {};
    for (const app of ['api', 'web', 'worker']) {
      files[`envs/staging/${app}.yaml`] = values(app, `${app}-2`);
      files[`envs/prod/${app}.yaml`] = values(app, app === 'web' ? 'web-2' : `${app}-1`);
    }
    const fx = gitFixture(files);
    try {
      const work = fx.clones[0]!;
      const ctx = { project: (await loadProject(work))!, git: { log: nullLogger }, push: false as const };
      const r = await promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true });
      const release = r.commit!;
      assert.ok(isReleaseSubject(git(work, 'log', '-1', '--format=%s')));
      await assert.rejects(planReleaseRollback(ctx, { commit: release }), /prod is protected/, 'prod needs confirmation');
      const plan = await planReleaseRollback(ctx, { commit: release, confirmed: true });
      assert.equal(plan.sha, release);
      assert.deepEqual(plan.edits.map((e) => [e.env.app, e.change.tag]), [['api', 'api-1'], ['worker', 'worker-1']]);
      assert.equal(rollbackSubjectEnv(plan), 'prod');
      assert.equal(readFileSync(join(work, 'envs/prod/api.yaml'), 'utf8'), values('api', 'api-2'), 'planning writes nothing');
      const back = await rollbackRelease(ctx, { commit: release, confirmed: true }, plan);
      assert.equal(back.status, 'committed');
      assert.equal(git(work, 'log', '-1', '--format=%s'), `rollback(prod): 2 apps of ${release.slice(0, 7)}`);
      assert.equal(readFileSync(join(work, 'envs/prod/api.yaml'), 'utf8'), values('api', 'api-1'));
      assert.equal(readFileSync(join(work, 'envs/prod/web.yaml'), 'utf8'), values('web', 'web-2'), 'web was not moved by the release');
      await assert.rejects(planReleaseRollback(ctx, { commit: '--oops' }), /./, 'an option is not a commit');
    } finally {
      fx.cleanup();
    }
  });
});
