import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commitMessage } from '../../../src/core/gitops/message';
import { fileDiff, promotionBranchName, RELEASE_BRANCH_LEAF, pullRequestBody, pullRequestSummary, pullRequestTitle } from '../../../src/core/pullRequests/content';
import { resolveTarget } from '../../../src/core/pullRequests/host';

const before = { repository: '1234.dkr.ecr.us-east-2.amazonaws.com/demo-app', tag: '1.0.4' };
const after = { repository: '1234.dkr.ecr.us-east-2.amazonaws.com/demo-app', tag: '1.0.5', digest: `sha256:${'ab'.repeat(32)}` };

describe('promotion branch', () => {
  test('one deterministic branch per environment', () => {
    assert.equal(promotionBranchName('prod'), 'gitops-pilot/prod');
    assert.equal(promotionBranchName('Prod EU'), 'gitops-pilot/Prod-EU');
    assert.equal(promotionBranchName('..x.lock'), 'gitops-pilot/x-lock');
    assert.equal(promotionBranchName('-rf'), 'gitops-pilot/rf');
  });
  test('with several apps: per environment and app, and per environment for a release, never colliding in git', () => {
    assert.equal(promotionBranchName('prod', { app: 'web' }), 'gitops-pilot/prod/web');
    assert.equal(promotionBranchName('prod', { app: 'api' }), 'gitops-pilot/prod/api');
    assert.equal(promotionBranchName('prod', { release: true }), 'gitops-pilot/prod/_release');
    assert.equal(promotionBranchName('prod', { app: '../x y' }), 'gitops-pilot/prod/x-y');
    // an app name starts with a letter or digit (the config schema), so none is the release's leaf
    assert.doesNotMatch(RELEASE_BRANCH_LEAF, /^[A-Za-z0-9]/);
  });
});

describe('title and body', () => {
  const message = commitMessage({ kind: 'promote', env: 'prod', before, after, promotedFrom: 'staging', sourceCommit: '0a1b2c3d4e5f' });
  const text = 'image:\n  repository: x\n  tag: 1.0.4 # note\nreplicas: 2\n';
  const diff = fileDiff('envs/prod/values.yaml', text, text.replace('1.0.4', '1.0.5'));
  test('the title is the deployment commit subject', () => {
    assert.equal(pullRequestTitle(message), 'promote(prod): demo-app 1.0.4 -> 1.0.5');
  });
  test('the diff holds the changed line with context', () => {
    assert.equal(diff, ['--- a/envs/prod/values.yaml', '+++ b/envs/prod/values.yaml', '@@ -1,5 +1,5 @@', ' image:', '   repository: x', '-  tag: 1.0.4 # note', '+  tag: 1.0.5 # note', ' replicas: 2', ' '].join('\n'));
    assert.equal(fileDiff('f', 'a\n', 'a\n'), '');
  });
  test('the body says what moves, from where, with links to the source commits', () => {
    const target = resolveTarget(undefined, 'git@github.com:acme/gitops.git');
    const body = pullRequestBody({ env: 'prod', branch: 'gitops-pilot/prod', file: 'envs/prod/values.yaml', message, before, after, base: 'main', promotedFrom: 'staging', sourceDeployCommit: 'f'.repeat(40), sourceCommit: '0a1b2c3d4e5f', sourceCommitUrl: 'https://github.com/acme/demo-app/commit/0a1b2c3d4e5f', diff, target });
    assert.match(body, /^<!-- gitops-pilot:promotion env=prod -->$/m);
    assert.match(body, /\| From \| `1234\.dkr\.ecr\.us-east-2\.amazonaws\.com\/demo-app:1\.0\.4` \|/);
    assert.match(body, /\| To \| `[^`]+:1\.0\.5@sha256:abab[a-f0-9]+` \|/);
    assert.match(body, /\| Promoted from \| `staging` at \[fffffff\]\(https:\/\/github\.com\/acme\/gitops\/commit\/f{40}\) \|/);
    assert.match(body, /\| Source commit \| \[0a1b2c3d4e5f\]\(https:\/\/github\.com\/acme\/demo-app\/commit\/0a1b2c3d4e5f\) \|/);
    assert.match(body, /```diff\n--- a\/envs\/prod\/values\.yaml[\s\S]*\+  tag: 1\.0\.5 # note[\s\S]*\n```\n/);
    const gl = pullRequestBody({ env: 'prod', branch: 'gitops-pilot/prod', file: 'f', message, before, after, base: 'main', promotedFrom: 'staging', sourceDeployCommit: 'e'.repeat(40), diff: '```x```', target: resolveTarget(undefined, 'git@gitlab.com:g/p.git') });
    assert.match(gl, /https:\/\/gitlab\.com\/g\/p\/-\/commit\/e{40}/);
    assert.match(gl, /~~~~diff\n```x```\n~~~~/, 'a diff with backticks gets another fence');
    assert.match(body, /A newer promotion of prod updates this pull request \(branch `gitops-pilot\/prod`\)/);
  });
  test('one app of several: the app is named, and the branch is its own', () => {
    const target = resolveTarget(undefined, 'git@github.com:acme/gitops.git');
    const body = pullRequestBody({ env: 'prod', app: 'web', branch: 'gitops-pilot/prod/web', file: 'apps/web/prod.yaml', message, before, after, base: 'main', diff, target });
    assert.match(body, /^<!-- gitops-pilot:promotion env=prod app=web -->$/m);
    assert.match(body, /^Promotion of \*\*web\*\* to \*\*prod\*\* by GitOps Pilot/m);
    assert.match(body, /^\| App \| `web` \|$/m);
    assert.match(body, /A newer promotion of web to prod updates this pull request \(branch `gitops-pilot\/prod\/web`\)/);
  });
  test('a release: one row per app, no single From/To', () => {
    const target = resolveTarget(undefined, 'git@github.com:acme/gitops.git');
    const changes = [
      { app: 'api', file: 'apps/api/prod.yaml', before, after },
      { app: 'web', file: 'apps/web/prod.yaml', before: { repository: 'r/web', tag: '2.0.0' }, after: { repository: 'r/web', tag: '2.1.0' } },
    ];
    const body = pullRequestBody({ env: 'prod', branch: 'gitops-pilot/prod/_release', changes, file: 'apps/api/prod.yaml', message: 'promote(prod): 2 apps from staging\n', before, after, base: 'main', promotedFrom: 'staging', diff, target });
    assert.match(body, /^<!-- gitops-pilot:promotion env=prod release -->$/m);
    assert.match(body, /^Promotion of a release of 2 apps to \*\*prod\*\*/m);
    assert.match(body, /^\| `api` \| `[^`]+:1\.0\.4` \| `[^`]+:1\.0\.5@sha256:[a-f0-9]+` \| `apps\/api\/prod\.yaml` \|$/m);
    assert.match(body, /^\| `web` \| `r\/web:2\.0\.0` \| `r\/web:2\.1\.0` \| `apps\/web\/prod\.yaml` \|$/m);
    assert.doesNotMatch(body, /^\| From \|/m);
    assert.match(body, /^\| Promoted from \| `staging` \|$/m);
    assert.match(body, /A newer release of prod updates this pull request \(branch `gitops-pilot\/prod\/_release`\)/);
  });
});

describe('summary line', () => {
  const base = { provider: 'github' as const, number: 42, state: 'open' as const, checks: { total: 2, passed: 2, failed: 0, pending: 0 }, review: 'approved' as const, mergeable: true };
  test('the row text of the tree and the CLI', () => {
    assert.equal(pullRequestSummary(base), 'PR #42 · 2/2 checks ✓ · approved');
    assert.equal(pullRequestSummary({ ...base, review: 'changes-requested', mergeable: false }), 'PR #42 · 2/2 checks ✓ · changes requested');
    assert.equal(pullRequestSummary({ ...base, checks: { total: 3, passed: 1, failed: 1, pending: 1 } }), 'PR #42 · 1/3 checks ✗ · approved');
    assert.equal(pullRequestSummary({ ...base, checks: { total: 0, passed: 0, failed: 0, pending: 0 }, review: 'none', mergeable: false, blocked: 'conflicts with the target branch' } as never), 'PR #42 · conflicts with the target branch');
    assert.equal(pullRequestSummary({ ...base, provider: 'gitlab', number: 7, state: 'merged' }), 'MR !7 · merged');
  });
});
