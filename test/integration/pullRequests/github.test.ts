/**
 * Promotion through a GitHub pull request, end to end through the bundled CLI, against the GitHub
 * emulator over TLS (a private CA trusted through NODE_EXTRA_CA_CERTS) on a real bare repository;
 * the real `gh` client (as against GitHub Enterprise) sees, approves and merges what the product made.
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git } from '../../support/gitRepos';
import { startGitHubEmulator, type GitHubEmulator } from '../../support/github/emulator';
import { which } from '../../support/proc';
import { makeWorld, type World } from './world';

const TOKEN = 'ghp_pilotTokenSecret0123456789abcdef';
const ALICE = 'ghp_aliceTokenSecret0123456789abcdef';
const hasGh = !!which('gh');

describe('pull-request push mode on GitHub', { skip: !hasGh && 'gh is not installed (apt-get install -y gh)' }, () => {
  let w: World;
  let gh: GitHubEmulator;
  const env = () => ({ GITHUB_TOKEN: TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'github', api: 'PLACEHOLDER', repository: 'acme/gitops', labels: ['deploy'], reviewers: ['alice'] });
    gh = await startGitHubEmulator({ repos: { 'acme/gitops': w.fx.bare }, users: [{ login: 'pilot', token: TOKEN }, { login: 'alice', token: ALICE }], tls: w.tls, requireApproval: true });
    const cfg = join(w.app, 'gitops-pilot.yaml');
    writeFileSync(cfg, require('node:fs').readFileSync(cfg, 'utf8').replace('PLACEHOLDER', gh.api));
  });
  after(async () => {
    await gh?.close();
    w?.fx.cleanup();
  });

  /** the real `gh api`, pointed at the emulator as a GitHub Enterprise host */
  async function ghApi(token: string, ...args: string[]): Promise<any> {
    const out = (await w.gh(gh.host, token, 'api', ...args)).trim();
    return out ? JSON.parse(out) : undefined;
  }

  test('without a token: exit 2, nothing pushed', async () => {
    const r = await w.cli({}, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no GitHub token/);
    assert.match(r.err, /GITHUB_TOKEN or GH_TOKEN/);
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '');
  });

  test('a rejected token: the message says so, nothing pushed', async () => {
    const r = await w.cli({ GITHUB_TOKEN: 'ghp_wrongTokenValue000000000000000' }, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /token was rejected/);
    assert.doesNotMatch(r.err + r.out, /ghp_wrongTokenValue/);
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '');
  });

  test('an environment in pull-request mode is never pushed to directly: exit 2, nothing changes', async () => {
    const mainBefore = git(w.fx.bare, 'rev-parse', 'main');
    const r = await w.cli(env(), 'bump', '--env', 'prod', '--tag', '9.9.9', '--yes', '--push-mode', 'direct');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /prod changes only through a pull request/);
    assert.equal(git(w.fx.bare, 'rev-parse', 'main'), mainBefore);
    assert.equal(git(w.clone, 'status', '--porcelain'), '');
  });

  test('promote to prod opens one pull request from gitops-pilot/prod; main is untouched', async () => {
    const mainBefore = git(w.fx.bare, 'rev-parse', 'main');
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.pushedTo, 'gitops-pilot/prod');
    assert.deepEqual({ action: out.pullRequest.action, number: out.pullRequest.number, base: out.pullRequest.base }, { action: 'opened', number: 1, base: 'main' });
    assert.equal(git(w.fx.bare, 'rev-parse', 'main'), mainBefore, 'nothing went to main');
    assert.equal(git(w.clone, 'rev-parse', 'HEAD'), mainBefore, 'the local clone is back where it was');
    assert.match(w.fx.remoteFile('envs/prod/values.yaml', 'gitops-pilot/prod'), /^ {2}tag: 1\.0\.3 # promoted by review$/m);
  });

  test('gh sees exactly that pull request: title, body with the diff, labels, reviewers', async () => {
    const list = await ghApi(TOKEN, 'repos/acme/gitops/pulls');
    assert.equal(list.length, 1);
    const pr = list[0];
    assert.equal(pr.title, 'promote(prod): demo-app 1.0.2 -> 1.0.3');
    assert.equal(pr.head.ref, 'gitops-pilot/prod');
    assert.equal(pr.head.sha, git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod'));
    assert.deepEqual(pr.labels.map((l: any) => l.name), ['deploy']);
    assert.deepEqual(pr.requested_reviewers.map((u: any) => u.login), ['alice']);
    assert.match(pr.body, /^-  tag: 1\.0\.2 # promoted by review$/m);
    assert.match(pr.body, /^\+  tag: 1\.0\.3 # promoted by review$/m);
    assert.match(pr.body, /\| Promoted from \| `staging` at \[[0-9a-f]{7}\]\(https:\/\/localhost:\d+\/acme\/gitops\/commit\/[0-9a-f]{40}\) \|/);
  });

  test('a newer promotion updates the same branch and pull request', async () => {
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.5')).code, 0);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /updated PR #1 · review required: https:\/\/localhost:\d+\/acme\/gitops\/pull\/1/);
    const pr = await ghApi(TOKEN, 'repos/acme/gitops/pulls/1');
    assert.equal(pr.title, 'promote(prod): demo-app 1.0.2 -> 1.0.5');
    assert.match(pr.body, /^\+  tag: 1\.0\.5 # promoted by review$/m);
    assert.equal((await ghApi(TOKEN, 'repos/acme/gitops/pulls?state=all')).length, 1, 'still one pull request');
    assert.equal(git(w.fx.bare, 'rev-list', '--count', 'main..gitops-pilot/prod'), '2', 'the branch moved forward: no force');
  });

  test('pr status: open (exit 3) until approved; --wait follows it to merged when gh merges it', async () => {
    const s = await w.cli(env(), 'pr', 'status', '--env', 'prod', '--json');
    assert.equal(s.code, 3, s.err);
    assert.equal(JSON.parse(s.out).mergeable, false, 'branch protection: an approval is required');
    const waiting = w.cli(env(), 'pr', 'status', '--env', 'prod', '--wait', '--interval', '50ms');
    await ghApi(ALICE, '-X', 'POST', 'repos/acme/gitops/pulls/1/reviews', '-f', 'event=APPROVE');
    const head = git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod');
    const merged = await ghApi(ALICE, '-X', 'PUT', 'repos/acme/gitops/pulls/1/merge', '-f', `sha=${head}`);
    assert.equal(merged.merged, true);
    const r = await waiting;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /prod: PR #1 · merged/);
    assert.match(w.fx.remoteFile('envs/prod/values.yaml'), /^ {2}tag: 1\.0\.5 # promoted by review$/m, 'the merge really merged into main');
    assert.equal(git(w.fx.bare, 'log', '-1', '--format=%P', 'main').split(' ').length, 2, 'a merge commit');
  });

  test('after the merge, the next promotion opens a new pull request on the same branch', async () => {
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.6')).code, 0);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([JSON.parse(r.out).pullRequest.action, JSON.parse(r.out).pullRequest.number], ['opened', 2]);
  });

  test('the target moved: merged into the branch (no force); someone else\'s commits are never overwritten', async () => {
    // someone changes main meanwhile
    const other = w.fx.clone('other');
    writeFileSync(join(other, 'README.md'), 'gitops, edited\n');
    git(other, 'commit', '-qam', 'docs: edit readme');
    git(other, 'push', '-q', 'origin', 'main');
    // bump uses the environment's pushMode too
    const r = await w.cli(env(), 'bump', '--env', 'prod', '--tag', '1.0.7', '--yes', '--verbose');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /main moved since the last promotion; merging it into gitops-pilot\/prod/);
    assert.equal(git(w.fx.bare, 'merge-base', 'main', 'gitops-pilot/prod'), git(w.fx.bare, 'rev-parse', 'main'), 'the branch contains the moved main');
    assert.match(r.out, /updated PR #2/);

    // now a colleague adds a commit of their own to the promotion branch, and main moves again
    git(other, 'fetch', '-q', 'origin');
    git(other, 'switch', '-q', '-c', 'fix', 'origin/gitops-pilot/prod');
    writeFileSync(join(other, 'envs/prod/notes.txt'), 'reviewed\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'note from a reviewer');
    git(other, 'push', '-q', 'origin', 'HEAD:gitops-pilot/prod');
    git(other, 'switch', '-q', 'main');
    writeFileSync(join(other, 'README.md'), 'gitops, edited twice\n');
    git(other, 'commit', '-qam', 'docs: again');
    git(other, 'push', '-q', 'origin', 'main');
    const tip = git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod');
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.8')).code, 0);
    const refused = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(refused.code, 1, refused.err);
    assert.match(refused.err, /1 commit\(s\) not made by GitOps Pilot \(first: "note from a reviewer"\)/);
    assert.match(refused.err, /hint: Rebase gitops-pilot\/prod onto main yourself/);
    assert.equal(git(w.clone, 'status', '--porcelain'), '', 'the clone is clean');
    assert.equal(git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod'), tip, 'the branch was not touched');
  });

  test('a push refused by branch protection says how to go through a pull request', async () => {
    const hook = join(w.fx.bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/main ]; then echo "error: GH006: Protected branch update failed for refs/heads/main." >&2; exit 1; fi\ndone\n');
    chmodSync(hook, 0o755);
    try {
      const r = await w.cli(env(), 'bump', '--env', 'dev', '--tag', '2.0.0');
      assert.equal(r.code, 1);
      assert.match(r.err, /protected branch/);
      assert.match(r.err, /pushMode: pull-request/);
    } finally {
      writeFileSync(hook, '#!/bin/sh\nexit 0\n');
    }
  });

  test('no token in any output, remote URL or git config', () => {
    for (const o of w.outputs) {
      assert.ok(!o.includes(TOKEN) && !o.includes(ALICE), 'a token was printed');
    }
    assert.doesNotMatch(git(w.clone, 'config', '--list'), /ghp_/);
    w.assertNoSecrets();
    assert.ok(gh.server.requests.length > 0);
  });
});
