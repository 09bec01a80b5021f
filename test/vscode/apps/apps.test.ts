/**
 * Many apps in the editor (issue 15), in a real extension host: the workspace is a git repository of three
 * apps × dev/staging/prod (envs/<env>/<app>.yaml, discovered) whose origin is a bare repository. The tree groups env → apps with a summary per
 * environment; Promote All moves the chosen apps in one commit (confirmation modals off, the apps given).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { until } from '../until';
import type { ExtensionApi } from '../../../src/extension';
import type { EnvironmentDiff } from '../../../src/core/release/diff';

const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();


suite('many apps in the Environments view', () => {
  let api: ExtensionApi;
  let root: string;

  const rows = async (parent?: unknown) => {
    const nodes = ((await api.environmentsTree.getChildren(parent as never)) ?? []) as unknown[];
    return Promise.all(nodes.map(async (n) => ({ node: n, item: await api.environmentsTree.getTreeItem(n as never) })));
  };
  const summary = async (env: string) => (await rows()).find((r) => r.item.label === env)?.item.description;

  suiteSetup(async () => {
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    await vscode.commands.executeCommand('gitopsPilot.environments.focus');
    api = await vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
    await until(api.environments.onDidChange, () => api.environments.state.kind === 'loaded', 'the first load');
  });

  test('env → apps: a row per environment with its apps, summed up against its source', async () => {
    const top = await rows();
    assert.deepEqual(top.map((r) => r.item.label), ['dev', 'staging', 'prod']);
    assert.deepEqual(top.map((r) => r.item.description), ['3 apps', '3 apps · 2 differ from dev', '3 apps · 1 differs from staging']);
    assert.match(String(top[1]!.item.contextValue), /;canPromoteAll;/);
    assert.doesNotMatch(String(top[0]!.item.contextValue), /;canPromoteAll;/, 'dev is promoted from nothing');
    const apps = await rows(top[1]!.node);
    assert.deepEqual(apps.map((r) => r.item.label), ['api', 'web', 'worker']);
    assert.match(String(apps[0]!.item.contextValue), /;env;/, 'an app row is an environment row (its menus and live state as before)');
  });

  test('Promote All to staging: the two apps that differ in one commit, the tree follows', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const web = readFileSync(join(root, 'envs/staging/web.yaml'), 'utf8');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['api', 'worker']);
    assert.equal(git(root, 'rev-list', '--count', `${head}..HEAD`), '1', 'one commit');
    assert.equal(git(root, 'log', '-1', '--format=%s'), 'promote(staging): 2 apps from dev');
    const body = git(root, 'log', '-1', '--format=%b');
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/api:1\.1\.0$/m);
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/worker:3\.1\.0$/m);
    assert.deepEqual(git(root, 'diff', '--name-only', `${head}..HEAD`).split('\n').sort(), ['envs/staging/api.yaml', 'envs/staging/worker.yaml']);
    assert.match(readFileSync(join(root, 'envs/staging/api.yaml'), 'utf8'), /^ {2}tag: "1\.1\.0"$/m);
    assert.equal(readFileSync(join(root, 'envs/staging/web.yaml'), 'utf8'), web, 'web was the same: untouched');
    assert.equal(git(root, 'status', '--porcelain'), '', 'nothing left uncommitted');
    assert.equal(git(remote, 'rev-parse', 'main'), git(root, 'rev-parse', 'HEAD'), 'one push');
    await until(api.environments.onDidChange, () => {
      const e = api.environments.find('api/staging');
      return e?.file.ok === true && e.file.declared.tag === '1.1.0';
    }, 'the model to read staging again');
    assert.equal(await summary('staging'), '3 apps · 0 differ from dev');
    assert.equal(await summary('prod'), '3 apps · 3 differ from staging');
  });

  test('Promote All when nothing differs changes nothing', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['web']);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
  });

  test('Compare Environments: which apps differ between two environments', async () => {
    const d = await vscode.commands.executeCommand<EnvironmentDiff>('gitopsPilot.compareEnvironments', 'staging', 'prod');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.deepEqual(d.apps.map((a) => [a.app, a.status, a.toImage?.tag, a.fromImage?.tag]), [
      ['api', 'differs', '1.0.0', '1.1.0'],
      ['web', 'differs', '1.9.0', '2.0.0'],
      ['worker', 'differs', '3.0.0', '3.1.0'],
    ]);
  });
});
