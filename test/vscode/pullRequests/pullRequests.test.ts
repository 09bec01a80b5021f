/**
 * Pull requests in the real extension host (setup.ts): prod changes only through a pull request on the GitHub
 * emulator, over the workspace's real bare remote. Commands run as the tree's menus run them (the deployment
 * confirmation off); the reviewer acts through the emulator's REST API as a browser user would.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { activateWithEnvironments } from '../activate';
import type { ExtensionApi } from '../../../src/extension';
import { until } from '../until';

const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
const apiUrl = process.env.GITOPS_PILOT_TEST_GITHUB_API!;
const host = process.env.GITOPS_PILOT_TEST_GITHUB_HOST!;
const PILOT_TOKEN = 'ghp_vscodePilotSecret0123456789abcdef';
const REVIEWER_TOKEN = 'ghp_vscodeReviewSecret0123456789abcde';
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

type Node = { id?: string };

async function github(token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${apiUrl}${path}`, { method, headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

suite('pull requests: promote to prod opens one, the tree follows it, Merge deploys it', () => {
  let api: ExtensionApi;
  let root: string;
  const prodEntry = () => api.environments.find('prod')!;
  const pr = () => api.workspace.pullRequests!.current(prodEntry());
  const prState = () => api.workspace.pullRequests!.state(prodEntry());
  const onPr = (l: () => void) => api.workspace.pullRequests!.onDidChange(() => l());

  async function item(node: Node): Promise<vscode.TreeItem> {
    return api.environmentsTree.getTreeItem(node as never);
  }
  async function row(label: string, parent?: Node): Promise<{ node: Node; item: vscode.TreeItem }> {
    for (const node of (await api.environmentsTree.getChildren(parent as never)) as Node[]) {
      const it = await item(node);
      if (it.label === label) return { node, item: it };
    }
    throw new Error(`no ${label} row`);
  }

  suiteSetup(async () => {
    assert.ok(remote && apiUrl && host, 'the launcher provides the bare remote and the GitHub emulator');
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    api = await activateWithEnvironments();
  });

  test('without a token the Pull request row says how to set one, and Promote to production pushes nothing', async () => {
    await until(onPr, () => prState()?.kind === 'failed', 'the read without a token to fail');
    const prod = await row('prod');
    const prRow = await row('Pull request', prod.node);
    assert.match(String(prRow.item.description), /no GitHub token/);
    assert.equal(prRow.item.command?.command, 'gitopsPilot.setPullRequestToken');
    assert.match(String(prod.item.contextValue), /;pullRequestMode;/);
    await vscode.commands.executeCommand('gitopsPilot.promoteToProduction', 'staging');
    assert.equal(git(remote, 'branch', '--list', 'gitops-pilot/*'), '', 'no promotion branch');
    assert.equal((await github(PILOT_TOKEN, 'GET', '/repos/acme/gitops/pulls?state=all')).length, 0);
    assert.equal(git(root, 'status', '--porcelain'), '', 'nothing left in the clone');
  });

  test('Set Pull Request Token… stores it for the host; the row says no pull request is open', async () => {
    await vscode.commands.executeCommand('gitopsPilot.setPullRequestToken', 'github', host, PILOT_TOKEN);
    await until(onPr, () => prState()?.kind === 'loaded', 'the read with the token');
    assert.equal(pr(), undefined);
    const prRow = await row('Pull request', (await row('prod')).node);
    assert.match(String(prRow.item.description), /none open/);
  });

  test('Promote to production opens the pull request (main untouched); the prod row shows it with Open in Browser', async () => {
    const mainBefore = git(remote, 'rev-parse', 'main');
    await vscode.commands.executeCommand('gitopsPilot.promoteToProduction', 'staging');
    const pulls = await github(PILOT_TOKEN, 'GET', '/repos/acme/gitops/pulls');
    assert.equal(pulls.length, 1);
    assert.equal(pulls[0].title, 'promote(prod): demo-app 1.0.3 -> 1.0.4');
    assert.equal(pulls[0].head.ref, 'gitops-pilot/prod');
    assert.equal(pulls[0].head.sha, git(remote, 'rev-parse', 'gitops-pilot/prod'));
    assert.match(pulls[0].body, /^\+ {2}tag: '1\.0\.4'$/m);
    assert.equal(git(remote, 'rev-parse', 'main'), mainBefore, 'nothing went to main');
    assert.equal(git(root, 'rev-parse', 'HEAD'), mainBefore, 'the clone is back on main as it was');
    assert.equal(git(root, 'status', '--porcelain'), '');
    await until(onPr, () => pr()?.number === 1, 'the model to show PR #1');
    const prod = await row('prod');
    assert.match(String(prod.item.description), /PR #1 · review required/);
    assert.match(String(prod.item.contextValue), /;pr=open;/);
    assert.doesNotMatch(String(prod.item.contextValue), /;prMergeable;/, 'an approval is required first');
    const prRow = await row('Pull request', prod.node);
    assert.equal(prRow.item.command?.command, 'gitopsPilot.openPullRequest', 'clicking the row opens it in the browser');
    assert.match(String(prRow.item.contextValue), /;pullRequest;.*;pr=open;/);
  });

  test('approved in the browser: Refresh shows it and offers Merge', async () => {
    await github(REVIEWER_TOKEN, 'POST', '/repos/acme/gitops/pulls/1/reviews', { event: 'APPROVE' });
    await vscode.commands.executeCommand('gitopsPilot.refreshEnvironments');
    await until(onPr, () => pr()?.review === 'approved' && prState()?.kind === 'loaded', 'the approval in the model');
    const prod = await row('prod');
    assert.match(String(prod.item.description), /PR #1 · approved/);
    assert.match(String(prod.item.contextValue), /;prMergeable;/);
  });

  test('a newer promotion updates the same pull request', async () => {
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'staging', '1.0.6');
    await vscode.commands.executeCommand('gitopsPilot.promoteToProduction', 'staging');
    const pulls = await github(PILOT_TOKEN, 'GET', '/repos/acme/gitops/pulls?state=all');
    assert.equal(pulls.length, 1, 'still one pull request');
    assert.equal(pulls[0].title, 'promote(prod): demo-app 1.0.3 -> 1.0.6');
    await until(onPr, () => pr()?.headSha === git(remote, 'rev-parse', 'gitops-pilot/prod'), 'the model to follow the new head');
    // the new commit needs a new approval (the emulator keeps the old one: GitHub does unless "dismiss stale")
    await github(REVIEWER_TOKEN, 'POST', '/repos/acme/gitops/pulls/1/reviews', { event: 'APPROVE' });
  });

  test('Merge: the bare main has the promotion, the tree shows prod at 1.0.6 and the status bar follows its rollout', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('gitopsPilot.mergePullRequest', 'prod');
    assert.equal((await github(PILOT_TOKEN, 'GET', '/repos/acme/gitops/pulls/1')).merged, true);
    assert.match(git(remote, 'show', 'main:envs/prod/values.yaml'), /^ {2}tag: '1\.0\.6'$/m);
    assert.equal(git(root, 'rev-parse', 'HEAD'), git(remote, 'rev-parse', 'main'), 'the clone caught up with the merge');
    await until(api.environments.onDidChange, () => {
      const f = prodEntry().file;
      return f.ok && f.declared.tag === '1.0.6';
    }, 'the tree to show prod at 1.0.6');
    await until(onPr, () => pr()?.state === 'merged', 'the model to show the merge');
    const prod = await row('prod');
    assert.doesNotMatch(String(prod.item.contextValue), /;prMergeable;/);
    const done = () => api.rollouts.indicators.find((i) => i.env === 'prod' && i.state === 'done');
    await until(api.rollouts.onDidChangeIndicators, () => done() !== undefined && /1\.0\.6/.test(done()!.text), 'prod done on 1.0.6 in the status bar', 90_000);
  });
});
