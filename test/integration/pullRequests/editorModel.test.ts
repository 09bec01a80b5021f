/**
 * The editor's side of pull requests, in plain Node: the Workspace's PullRequestsModel reads the promotion
 * pull request of prod from the GitHub emulator (over a real bare repository) only through the Workspace's
 * entry points; the editor's deployment steps (connect first, the core promote with push: pull-request,
 * openOrUpdatePullRequest) make the same commit as the CLI; after a merge the local clone catches up and the
 * merge is described as a deployment of the image it declares.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nullLogger } from '../../../src/core/log';
import { promote } from '../../../src/core/gitops/operations';
import { connectPullRequests, mergePullRequest, openOrUpdatePullRequest } from '../../../src/core/pullRequests/flow';
import { mergedDeployment } from '../../../src/core/pullRequests/merged';
import { Workspace } from '../../../src/core/workspace/workspace';
import type { EnvironmentEntry } from '../../../src/core/workspace/environments';
import { git, gitEnv } from '../../support/gitRepos';
import { startGitHubEmulator, type GitHubEmulator } from '../../support/github/emulator';
import { makeWorld, type World } from './world';

const TOKEN = 'ghp_editorTokenSecret0123456789abcdef';
const ALICE = 'ghp_aliceEditorSecret0123456789abcdef';
const IDENTITY = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'] as const;

/** Resolves when `ok()` holds, checked on each change of the model (a guard, not a wait). */
function until(ws: Workspace, ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  if (ok()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const sub = ws.pullRequests!.onDidChange(() => {
      if (!ok()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

describe('pull requests in the editor: the Workspace model and the merge', () => {
  let w: World;
  let gh: GitHubEmulator;
  let ws: Workspace;
  let token: string | undefined;
  let connects = 0;
  const saved: Record<string, string | undefined> = {};
  const git0 = { log: nullLogger };
  const prod = (): EnvironmentEntry => ws.environments.find('prod')!;
  const stateOf = () => ws.pullRequests!.state(prod());

  before(async () => {
    for (const k of IDENTITY) {
      saved[k] = process.env[k];
      process.env[k] = gitEnv[k];
    }
    w = makeWorld({ provider: 'github', api: 'PLACEHOLDER', repository: 'acme/gitops' });
    // plain http: this process cannot trust a certificate made after it started
    gh = await startGitHubEmulator({ repos: { 'acme/gitops': w.fx.bare }, users: [{ login: 'pilot', token: TOKEN }, { login: 'alice', token: ALICE }], requireApproval: true });
    const fs = await import('node:fs');
    const cfg = `${w.app}/gitops-pilot.yaml`;
    fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').replace('PLACEHOLDER', gh.api));
    ws = new Workspace({
      folders: () => [w.app],
      log: nullLogger,
      git: () => git0,
      trusted: () => true,
      pullRequests: {
        connect: (project) => {
          connects++;
          return connectPullRequests(project, { git: git0, log: nullLogger, token: async () => token, tokenHint: () => 'Run "GitOps Pilot: Set Pull Request Token…"' });
        },
      },
    });
  });
  after(async () => {
    ws?.dispose();
    await gh?.close();
    w?.fx.cleanup();
    for (const k of IDENTITY) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('hidden view: nothing is read; shown without a token: the row says how to set one, nothing is pushed', async () => {
    await ws.ensureLoaded();
    assert.deepEqual(stateOf(), { kind: 'idle' });
    assert.equal(ws.pullRequests!.state(ws.environments.find('staging')!), undefined, 'staging does not change through pull requests');
    assert.equal(gh.server.requests.length, 0, 'nothing asked while the view is hidden');
    await ws.viewVisibilityChanged('environments', true);
    await until(ws, () => stateOf()?.kind === 'failed', 'the read to fail');
    const s = stateOf();
    assert.ok(s?.kind === 'failed');
    assert.equal(s.error.code, 'pr.noToken');
    assert.match(s.error.toUserString(), /Set Pull Request Token/);
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '');
  });

  test('a token is set: the hosts are connected again and prod has no pull request yet', async () => {
    token = TOKEN;
    await ws.pullRequestTokenChanged();
    assert.deepEqual(stateOf(), { kind: 'loaded', pr: undefined });
  });

  test("the editor's steps open the pull request with the CLI's commit; the model shows it at once", async () => {
    const mainBefore = git(w.fx.bare, 'rev-parse', 'main');
    const session = await ws.pullRequests!.session(prod().project);
    const project = prod().project;
    const result = await promote({ project, git: git0, push: 'pull-request' }, { from: ws.environments.find('staging')!.env, to: prod().env, confirmed: true });
    const opened = await openOrUpdatePullRequest(session, result, { git: git0 });
    assert.equal(opened.action, 'opened');
    await ws.pullRequestChanged(prod().env, opened.pullRequest);
    const pr = ws.pullRequests!.current(prod());
    assert.equal(pr?.number, 1);
    assert.equal(pr?.state, 'open');
    assert.equal(pr?.review, 'review-required');
    assert.equal(ws.pullRequests!.hasOpen, true);
    assert.equal(git(w.fx.bare, 'rev-parse', 'main'), mainBefore, 'main untouched');
    assert.equal(git(w.fx.bare, 'log', '-1', '--format=%s', 'gitops-pilot/prod'), 'promote(prod): demo-app 1.0.2 -> 1.0.3');
    assert.match(git(w.fx.bare, 'log', '-1', '--format=%b', 'gitops-pilot/prod'), /^Promoted-From: staging$/m);
  });

  test('approved in the browser: the interval (or focus) reads it again, and only open ones are read', async () => {
    const res = await fetch(`${gh.api}/repos/acme/gitops/pulls/1/reviews`, { method: 'POST', headers: { authorization: `token ${ALICE}`, 'content-type': 'application/json' }, body: JSON.stringify({ event: 'APPROVE' }) });
    assert.equal(res.status, 200, await res.text());
    const before = gh.server.requests.length;
    ws.pullRequestsDue();
    await until(ws, () => ws.pullRequests!.current(prod())?.review === 'approved', 'the approval to show');
    assert.ok(gh.server.requests.length > before);
    assert.equal(ws.pullRequests!.current(prod())?.mergeable, true);
    ws.windowFocused();
    await until(ws, () => stateOf()?.kind === 'loaded', 'the read after focus');
    assert.equal(connects, 2, 'one session per token: not one per read');
  });

  test('merge: exactly the head seen; the clone fast-forwards; the deployment is the merge commit with the promoted image', async () => {
    const session = await ws.pullRequests!.session(prod().project);
    const pr = ws.pullRequests!.current(prod())!;
    const merged = await mergePullRequest(session, pr);
    assert.equal(merged.state, 'merged');
    const file = prod().file;
    const d = await mergedDeployment(session, prod().env, merged, file.ok ? file.declared : {}, git0);
    assert.equal(d.localUpdated, true, d.localNote);
    assert.equal(d.result.commit, git(w.fx.bare, 'rev-parse', 'main'));
    assert.equal(d.result.pushedTo, 'main');
    assert.equal(d.result.after.tag, '1.0.3');
    assert.equal(d.result.before.tag, '1.0.2');
    assert.equal(git(w.clone, 'rev-parse', 'HEAD'), d.result.commit, 'the local clone is at the merge');
    await ws.pullRequestChanged(prod().env, merged);
    await ws.deploymentMade(prod().env);
    assert.equal(ws.pullRequests!.current(prod())?.state, 'merged');
    assert.equal(ws.pullRequests!.hasOpen, false, 'the interval has nothing to read now');
    const e = prod();
    assert.ok(e.file.ok);
    assert.equal(e.file.declared.tag, '1.0.3', 'the tree reads the merged file');
  });

  test('a revoked token: the read fails with the next step and the session is made again next time', async () => {
    token = 'ghp_revokedTokenValue00000000000000';
    await ws.pullRequestTokenChanged();
    const s = stateOf();
    assert.ok(s?.kind === 'failed', JSON.stringify(s));
    assert.equal(s.error.code, 'pr.unauthorized');
    assert.doesNotMatch(s.error.toUserString(), /ghp_revoked/);
    assert.equal(s.last?.state, 'merged', 'what was known stays shown');
    token = TOKEN;
    await ws.pullRequestTokenChanged();
    assert.equal(stateOf()?.kind, 'loaded');
  });
});
