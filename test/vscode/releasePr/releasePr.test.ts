/**
 * A release through its one pull request in the real extension host (setup.ts): prod of three apps changes only
 * through pull requests on the GitHub emulator over the workspace's real bare remote, and runs on the Kubernetes
 * simulator. Promote All is run as the tree's menu runs it (the apps given, the confirmation modal off); the
 * group row, its Release pull request row and Merge are the tree's own nodes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { activateWithEnvironments } from '../activate';
import type { ExtensionApi } from '../../../src/extension';
import type { RolloutItemState } from '../../../src/vscode/statusBar';
import { until } from '../until';

const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
const apiUrl = process.env.GITOPS_PILOT_TEST_GITHUB_API!;
const host = process.env.GITOPS_PILOT_TEST_GITHUB_HOST!;
const PILOT_TOKEN = 'ghp_releasePilotSecret0123456789abcd';
const RELEASE_BRANCH = 'gitops-pilot/prod/_release';
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

async function github(method: string, path: string): Promise<any> {
  const r = await fetch(`${apiUrl}${path}`, { method, headers: { authorization: `token ${PILOT_TOKEN}` } });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

suite('a release through its pull request: Promote All to prod opens one, the prod row shows it, Merge deploys every app', () => {
  let api: ExtensionApi;
  let root: string;
  const model = () => api.workspace.pullRequests!;
  const target = () => ({ project: api.environments.find('api/prod')!.project, name: 'prod' });
  const release = () => model().currentRelease(target());
  const releaseState = () => model().releaseState(target());
  const onPr = (l: () => void) => model().onDidChange(() => l());

  const rows = async (parent?: unknown) => {
    const nodes = ((await api.environmentsTree.getChildren(parent as never)) ?? []) as unknown[];
    return Promise.all(nodes.map(async (n) => ({ node: n, item: await api.environmentsTree.getTreeItem(n as never) })));
  };
  const row = async (label: string, parent?: unknown) => {
    const found = (await rows(parent)).find((r) => r.item.label === label);
    assert.ok(found, `a ${label} row`);
    return found;
  };
  const declared = (id: string) => {
    const f = api.environments.find(id)?.file;
    return f?.ok ? f.declared.tag : undefined;
  };

  suiteSetup(async () => {
    assert.ok(remote && apiUrl && host, 'the launcher provides the bare remote and the GitHub emulator');
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    api = await activateWithEnvironments();
  });

  test('without a token the Release pull request row says how to set one, and Promote All pushes nothing', async () => {
    await until(onPr, () => releaseState()?.kind === 'failed', 'the read of the release pull request without a token to fail');
    const prod = await row('prod');
    assert.match(String(prod.item.contextValue), /;envGroup;.*;releasePullRequestMode;/);
    const prRow = await row('Release pull request', prod.node);
    assert.match(String(prRow.item.description), /no GitHub token/);
    assert.equal(prRow.item.command?.command, 'gitopsPilot.setPullRequestToken');
    const head = git(root, 'rev-parse', 'HEAD');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'prod', ['api', 'web']);
    // the release was planned and previewed (both apps): only the missing token stopped it
    const preview = vscode.window.activeTextEditor?.document;
    assert.match(preview?.uri.path ?? '', /promote-prod\.txt$/);
    assert.match(preview!.getText(), /api/);
    assert.match(preview!.getText(), /web/);
    assert.equal(git(remote, 'branch', '--list', 'gitops-pilot/*'), '', 'no promotion branch');
    assert.equal((await github('GET', '/repos/acme/gitops/pulls?state=all')).length, 0);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head, 'no commit');
    assert.equal(git(root, 'status', '--porcelain'), '', 'nothing left in the clone');
  });

  test('Set Pull Request Token…: the row says none is open', async () => {
    await vscode.commands.executeCommand('gitopsPilot.setPullRequestToken', 'github', host, PILOT_TOKEN);
    await until(onPr, () => releaseState()?.kind === 'loaded', 'the read with the token');
    assert.equal(release(), undefined);
    const prRow = await row('Release pull request', (await row('prod')).node);
    assert.match(String(prRow.item.description), /none open: Promote All opens one/);
  });

  test('Promote All to prod opens ONE pull request from the release branch with every app in its commit; main untouched', async () => {
    const mainBefore = git(remote, 'rev-parse', 'main');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'prod', ['api', 'web']);
    const pulls = await github('GET', '/repos/acme/gitops/pulls?state=all');
    assert.equal(pulls.length, 1, 'one pull request');
    assert.equal(pulls[0].head.ref, RELEASE_BRANCH);
    assert.equal(pulls[0].base.ref, 'main');
    assert.equal(pulls[0].title, 'promote(prod): 2 apps from staging');
    assert.equal(pulls[0].head.sha, git(remote, 'rev-parse', RELEASE_BRANCH));
    const body = git(remote, 'log', '-1', '--format=%B', RELEASE_BRANCH);
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/api:1\.1\.0$/m);
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/web:2\.0\.0$/m);
    assert.doesNotMatch(body, /worker/, 'worker did not differ');
    assert.deepEqual(git(remote, 'diff', '--name-only', `main..${RELEASE_BRANCH}`).split('\n').sort(), ['envs/prod/api.yaml', 'envs/prod/web.yaml']);
    assert.equal(git(remote, 'rev-parse', 'main'), mainBefore, 'nothing went to main');
    assert.equal(git(root, 'rev-parse', 'HEAD'), mainBefore, 'the clone is back on main as it was');
    assert.equal(git(root, 'status', '--porcelain'), '');
    assert.equal(git(remote, 'branch', '--list', 'gitops-pilot/prod/api'), '', 'no per-app branch');
    await until(onPr, () => release()?.number === 1, 'the model to show the release PR #1');
    const prod = await row('prod');
    assert.match(String(prod.item.description), / · release PR #1\b/);
    assert.match(String(prod.item.contextValue), /;pr=open;/);
    assert.match(String(prod.item.contextValue), /;prMergeable;/, 'the emulator needs no approval here');
    const prRow = await row('Release pull request', prod.node);
    assert.match(String(prRow.item.description), /^PR #1/);
    assert.equal(prRow.item.command?.command, 'gitopsPilot.openPullRequest', 'clicking the row opens it in the browser');
    assert.match(String(prRow.item.contextValue), /;pullRequest;.*;pr=open;/);
    // nothing is deployed until the merge: prod still declares the old images
    assert.equal(declared('api/prod'), '1.0.0');
  });

  test('a second Promote All (worker moved in staging meanwhile) updates the same pull request', async () => {
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'worker/staging', '3.1.0');
    assert.match(git(remote, 'show', 'main:envs/staging/worker.yaml'), /tag: "3\.1\.0"/, 'staging is pushed directly');
    await until(api.environments.onDidChange, () => declared('worker/staging') === '3.1.0', 'the model to read staging again');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'prod', ['api', 'web', 'worker']);
    const pulls = await github('GET', '/repos/acme/gitops/pulls?state=all');
    assert.equal(pulls.length, 1, 'still one pull request');
    assert.equal(pulls[0].number, 1);
    assert.equal(pulls[0].title, 'promote(prod): 3 apps from staging');
    const head = git(remote, 'rev-parse', RELEASE_BRANCH);
    assert.equal(pulls[0].head.sha, head);
    const body = git(remote, 'log', '-1', '--format=%B', RELEASE_BRANCH);
    for (const image of ['api:1.1.0', 'web:2.0.0', 'worker:3.1.0']) assert.match(body, new RegExp(`^Image: 127\\.0\\.0\\.1:5000/${image.replace(/\./g, '\\.')}$`, 'm'));
    await until(onPr, () => release()?.headSha === head, 'the model to follow the new head');
  });

  test('Merge on the prod row: the bare main has every app, the tree re-reads them, the status bar follows the release', async function () {
    this.timeout(120_000);
    const prod = await row('prod');
    await vscode.commands.executeCommand('gitopsPilot.mergePullRequest', prod.node);
    assert.equal((await github('GET', '/repos/acme/gitops/pulls/1')).merged, true);
    for (const [app, tag] of [['api', '1.1.0'], ['web', '2.0.0'], ['worker', '3.1.0']]) assert.match(git(remote, 'show', `main:envs/prod/${app}.yaml`), new RegExp(`tag: "${tag}"`));
    assert.equal(git(root, 'rev-parse', 'HEAD'), git(remote, 'rev-parse', 'main'), 'the clone caught up with the merge');
    await until(api.environments.onDidChange, () => declared('api/prod') === '1.1.0' && declared('web/prod') === '2.0.0' && declared('worker/prod') === '3.1.0', 'the tree to show the merged release');
    await until(onPr, () => release()?.state === 'merged', 'the model to show the merge');
    assert.doesNotMatch(String((await row('prod')).item.contextValue), /;prMergeable;/);
    const find = () => api.rollouts.indicators.find((i: RolloutItemState) => i.key.startsWith('release:') && i.env === 'prod' && i.state === 'done');
    const seen = () => `prod's release done; the indicators then: ${JSON.stringify(api.rollouts.indicators.map((i) => ({ key: i.key, state: i.state, text: i.text })))}`;
    await until(api.rollouts.onDidChangeIndicators, () => find() !== undefined, seen, 90_000);
    assert.equal(find()!.text, '$(check) prod 3/3');
  });

  test('Roll Back Release on the first release\'s History row goes through the release pull request too: a new one, nothing deployed', async () => {
    const first = git(root, 'log', '-1', '--format=%H', '--grep=^promote(prod): 2 apps from staging', 'main');
    assert.ok(first, 'the first release commit is on main since the merge');
    const entry = api.environments.find('api/prod')!;
    await api.workspace.history.get(entry.env);
    const apiRow = await row('api', (await row('prod')).node);
    const history = await row('History', apiRow.node);
    const record = (await rows(history.node)).find((r) => (r.node as { record?: { sha: string } }).record?.sha === first);
    assert.ok(record, "the release is in api/prod's History");
    assert.match(String(record.item.contextValue), /;release;/);
    const mainBefore = git(remote, 'rev-parse', 'main');
    await vscode.commands.executeCommand('gitopsPilot.rollBackRelease', record.node);
    const pulls = await github('GET', '/repos/acme/gitops/pulls?state=all');
    assert.equal(pulls.length, 2, 'the merged one and a new one');
    const opened = pulls.find((p: { number: number }) => p.number === 2);
    assert.equal(opened.state, 'open');
    assert.equal(opened.head.ref, RELEASE_BRANCH);
    assert.equal(opened.title, `rollback(prod): 2 apps of ${first.slice(0, 7)}`);
    assert.deepEqual(git(remote, 'diff', '--name-only', `main..${RELEASE_BRANCH}`).split('\n').sort(), ['envs/prod/api.yaml', 'envs/prod/web.yaml']);
    assert.equal(git(remote, 'rev-parse', 'main'), mainBefore, 'nothing went to main');
    assert.equal(git(root, 'status', '--porcelain'), '');
    await until(onPr, () => release()?.number === 2 && release()?.state === 'open', 'the prod row to follow the new release pull request');
    assert.match(String((await row('prod')).item.description), / · release PR #2\b/);
  });
});
