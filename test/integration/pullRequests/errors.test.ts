/**
 * The pull-request mode's errors, each with a next step, against the GitHub and GitLab emulators on real
 * bare repositories: a token without the scope (refused before anything is pushed), a promotion branch
 * refused by branch protection, a pull request someone closed (the next promotion opens a new one and says
 * so), someone else's commit on the promotion branch (never overwritten), no token. No token is ever printed
 * or stored (the run's secret scan over the CLI output and the clone's git directory).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git } from '../../support/gitRepos';
import { startGitHubEmulator, type GitHubEmulator } from '../../support/github/emulator';
import { startGitLabEmulator, type GitLabEmulator } from '../../support/gitlab/emulator';
import { which } from '../../support/proc';
import { makeWorld, type World } from './world';

const TOKEN = 'ghp_pilotErrTokenSecret0123456789abc';
const ALICE = 'ghp_aliceErrTokenSecret0123456789abc';
const NO_REPO_SCOPE = 'ghp_readOrgTokenSecret0123456789abcd';
const GL_TOKEN = 'glpat-pilotErrTokenSecret01234567';

function usePlaceholder(w: World, api: string): void {
  const cfg = join(w.app, 'gitops-pilot.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('PLACEHOLDER', api));
}

/** A pre-receive hook refusing pushes to refs matching `pattern` as GitHub's branch protection does. */
function protect(bare: string, pattern: string): () => void {
  const hook = join(bare, 'hooks', 'pre-receive');
  writeFileSync(hook, `#!/bin/sh\nwhile read old new ref; do\n  case "$ref" in ${pattern}) echo "error: GH006: Protected branch update failed for $ref." >&2; exit 1;; esac\ndone\n`);
  chmodSync(hook, 0o755);
  return () => writeFileSync(hook, '#!/bin/sh\nexit 0\n');
}

describe('pull-request errors on GitHub', { skip: !which('gh') && 'gh is not installed (apt-get install -y gh)' }, () => {
  let w: World;
  let gh: GitHubEmulator;
  const env = () => ({ GITHUB_TOKEN: TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'github', api: 'PLACEHOLDER', repository: 'acme/gitops' });
    gh = await startGitHubEmulator({
      repos: { 'acme/gitops': w.fx.bare },
      users: [{ login: 'pilot', token: TOKEN }, { login: 'alice', token: ALICE }, { login: 'ci', token: NO_REPO_SCOPE, scopes: ['read:org'] }],
      tls: w.tls,
    });
    usePlaceholder(w, gh.api);
  });
  after(async () => {
    await gh?.close();
    w?.fx.cleanup();
  });
  const nothingPushed = (mainBefore: string) => {
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '', 'no promotion branch');
    assert.equal(git(w.fx.bare, 'rev-parse', 'main'), mainBefore, 'main untouched');
    assert.equal(git(w.clone, 'status', '--porcelain'), '', 'the clone is clean');
    assert.equal(git(w.clone, 'rev-parse', 'HEAD'), mainBefore, 'the clone is back where it was');
  };

  test('a classic token without the repo scope: refused before anything is pushed, naming the scope', async () => {
    const mainBefore = git(w.fx.bare, 'rev-parse', 'main');
    const r = await w.cli({ GITHUB_TOKEN: NO_REPO_SCOPE }, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /may not open pull requests in acme\/gitops \(the token has scopes: read:org; this needs: repo\)/);
    assert.match(r.err, /hint: Give the token the repo scope \(classic\) or Contents and Pull requests: write \(fine-grained\).*GITHUB_TOKEN or GH_TOKEN.*Nothing was pushed/);
    nothingPushed(mainBefore);
  });

  test('the promotion branch refused by branch protection: what to allow, and the clone back where it was', async () => {
    const mainBefore = git(w.fx.bare, 'rev-parse', 'main');
    const unprotect = protect(w.fx.bare, 'refs/heads/gitops-pilot/*');
    try {
      const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /refused the promotion branch gitops-pilot\/prod \(a protected branch or hook\)/);
      assert.match(r.err, /hint: Allow pushes to gitops-pilot\/\* for the account GitOps Pilot pushes with, then promote again/);
      nothingPushed(mainBefore);
      assert.equal(gh.pulls.length, 0, 'no pull request');
    } finally {
      unprotect();
    }
  });

  test('a pull request someone closed: pr status says who; the next promotion opens a new one and says which was closed', async () => {
    const first = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /opened PR #1/);
    await w.gh(gh.host, ALICE, 'api', '-X', 'PATCH', 'repos/acme/gitops/pulls/1', '-f', 'state=closed');
    const s = await w.cli(env(), 'pr', 'status', '--env', 'prod');
    assert.equal(s.code, 1);
    assert.match(s.err, /PR #1 · closed was closed without merging by alice/);
    assert.match(s.err, /hint: Nothing was deployed\. Promote again to open a new pull request, or reopen it on the host/);
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.5')).code, 0);
    const again = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes', '--json');
    assert.equal(again.code, 0, again.err);
    const { url, ...pr } = JSON.parse(again.out).pullRequest;
    assert.deepEqual(pr, { action: 'opened', number: 2, state: 'open', head: 'gitops-pilot/prod', base: 'main', closedBefore: 1 });
    assert.match(url, /^https:\/\/localhost:\d+\/acme\/gitops\/pull\/2$/);
    const text = await w.cli(env(), 'pr', 'status', '--env', 'prod');
    assert.equal(text.code, 3, text.err);
    assert.match(text.out, /^prod: PR #2 /m, 'the open one, not the closed one');
    const list = JSON.parse(await w.gh(gh.host, TOKEN, 'pr', 'list', '--state', 'all', '--json', 'number,state', '-R', `${gh.host}/acme/gitops`));
    assert.deepEqual(list, [{ number: 2, state: 'OPEN' }, { number: 1, state: 'CLOSED' }]);
    assert.equal(git(w.fx.bare, 'rev-list', '--count', 'main..gitops-pilot/prod'), '2', 'the branch moved forward: no force');
  });

  test('a promotion after that in text: says the previous one had been closed', async () => {
    await w.gh(gh.host, ALICE, 'api', '-X', 'PATCH', 'repos/acme/gitops/pulls/2', '-f', 'state=closed');
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.6')).code, 0);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^  opened PR #3: https:\/\/localhost:\d+\/acme\/gitops\/pull\/3$/m);
    assert.match(r.out, /\(the previous one, PR #2 · closed, had been closed without merging\)/);
  });

  test('no token in any output, remote URL or git file', () => {
    for (const o of w.outputs) assert.ok(![TOKEN, ALICE, NO_REPO_SCOPE].some((t) => o.includes(t)), 'a token was printed');
    w.assertNoSecrets();
  });
});

const PY = '/usr/bin/python3';
const hasPythonGitlab = existsSync(PY) && require('node:child_process').spawnSync(PY, ['-c', 'import gitlab'], { stdio: 'ignore' }).status === 0;

describe('pull-request errors on GitLab', { skip: !hasPythonGitlab && 'python3-gitlab is not installed (apt-get install -y python3-gitlab)' }, () => {
  let w: World;
  let gl: GitLabEmulator;
  const env = () => ({ GITLAB_TOKEN: GL_TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'gitlab', api: 'PLACEHOLDER', repository: 'acme/gitops' });
    gl = await startGitLabEmulator({ projects: { 'acme/gitops': w.fx.bare }, users: [{ username: 'pilot', token: GL_TOKEN }], tls: w.tls });
    usePlaceholder(w, `${gl.origin}/api/v4`);
  });
  after(async () => {
    await gl?.close();
    w?.fx.cleanup();
  });

  test('no token: exit 2, says which variable, nothing pushed', async () => {
    const r = await w.cli({}, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no GitLab token to open the merge request in acme\/gitops/);
    assert.match(r.err, /GITLAB_TOKEN/);
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '');
  });

  test('an old branch inside the promotion branch\'s name (branch push mode): which one to delete, nothing changed', async () => {
    const main = git(w.fx.bare, 'rev-parse', 'main');
    git(w.fx.bare, 'branch', 'gitops-pilot/prod/1.0.1', main);
    try {
      const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /origin cannot hold the promotion branch gitops-pilot\/prod beside gitops-pilot\/prod\/1\.0\.1 \(git allows no branch inside another's name\)/);
      assert.match(r.err, /hint: Delete that branch on origin \(git push origin --delete gitops-pilot\/prod\/1\.0\.1\)/);
      assert.equal(git(w.fx.bare, 'rev-parse', 'main'), main, 'main untouched');
      assert.equal(git(w.clone, 'status', '--porcelain'), '', 'the clone is clean');
      assert.equal(gl.mergeRequests.length, 0);
    } finally {
      git(w.fx.bare, 'branch', '-D', 'gitops-pilot/prod/1.0.1');
    }
  });

  test("someone else's commit on the promotion branch is never overwritten when the target moved", async () => {
    assert.equal((await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes')).code, 0);
    const other = w.fx.clone('other');
    git(other, 'switch', '-q', '-c', 'fix', 'origin/gitops-pilot/prod');
    writeFileSync(join(other, 'envs/prod/notes.txt'), 'reviewed\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'note from a reviewer');
    git(other, 'push', '-q', 'origin', 'HEAD:gitops-pilot/prod');
    git(other, 'switch', '-q', 'main');
    writeFileSync(join(other, 'README.md'), 'gitops, edited\n');
    git(other, 'commit', '-qam', 'docs: edit readme');
    git(other, 'push', '-q', 'origin', 'main');
    const tip = git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod');
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.8')).code, 0);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /gitops-pilot\/prod is behind main and has 1 commit\(s\) not made by GitOps Pilot \(first: "note from a reviewer"\)/);
    assert.match(r.err, /hint: Rebase gitops-pilot\/prod onto main yourself \(or merge main into it\) and push it, or merge or close its pull request; then promote again/);
    assert.equal(git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod'), tip, 'the branch was not touched');
    assert.equal(git(w.clone, 'status', '--porcelain'), '', 'the clone is clean');
    assert.equal(gl.mergeRequests.length, 1, 'still the one merge request');
  });

  test('no token in any output, remote URL or git file', () => {
    for (const o of w.outputs) assert.ok(!o.includes(GL_TOKEN), 'a token was printed');
    w.assertNoSecrets();
  });
});
