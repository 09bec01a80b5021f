/**
 * Restricted Mode (an untrusted workspace), in a real extension host: environments are listed read-only,
 * no process is spawned whatever the user tries, and workspace values of settings that name programs,
 * endpoints or credentials are ignored. A spy on node:child_process (shared with the extension in this
 * extension host) records every process start.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { fromProduct, spyOnSpawns } from '../../support/spawnSpy';

/** the repository (out/test/vscode/restricted → ../../../..) */
const REPO = join(__dirname, '../../../..');

suite('Restricted Mode', () => {
  let api: ExtensionApi;
  let root: string;
  const spy = spyOnSpawns();
  /** processes GitOps Pilot started (VS Code's own, e.g. its port scanner, are not counted) */
  const ours = () => spy.calls.filter((c) => fromProduct(c, REPO)).map((c) => `${c.fn} ${c.command} ${c.args.join(' ')}`);

  suiteSetup(async () => {
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    await vscode.commands.executeCommand('gitopsPilot.environments.focus');
    api = await vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
    await api.environments.ensureLoaded();
  });
  suiteTeardown(() => spy.restore());

  test('the workspace is untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('environments are listed with their tags', () => {
    assert.deepEqual(
      api.environments.environments.map((e) => [e.env.id, e.file.ok ? e.file.declared.tag : undefined]),
      [['dev', '1.0.5'], ['staging', '1.0.4'], ['prod', '1.0.3']],
    );
  });

  test('workspace values of user-only settings are ignored (programs, endpoints, kubeconfig, profile)', () => {
    assert.equal(api.setting('dockerPath'), 'docker');
    assert.equal(api.setting('gitPath'), 'git');
    assert.deepEqual(api.setting('kubeconfig'), []);
    assert.equal(api.setting('ecrEndpoint'), '');
    assert.equal(api.setting('awsProfile'), '');
    // in an untrusted workspace every workspace value is ignored, even harmless ones
    assert.equal(api.setting('awsRegion'), '');
    assert.equal(api.setting('pushMode'), 'direct');
  });

  test('deploying, promoting, rolling back and creating a config are refused, and nothing changes', async () => {
    const before = ['dev', 'staging', 'prod'].map((e) => readFileSync(join(root, `envs/${e}/values.yaml`), 'utf8'));
    const config = readFileSync(join(root, 'gitops-pilot.yaml'), 'utf8');
    spy.calls.length = 0;
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'dev', '1.2.3');
    await vscode.commands.executeCommand('gitopsPilot.promoteToStaging', 'dev');
    await vscode.commands.executeCommand('gitopsPilot.promoteTo', 'dev');
    await vscode.commands.executeCommand('gitopsPilot.rollBack', 'dev');
    await vscode.commands.executeCommand('gitopsPilot.createConfig');
    assert.deepEqual(ours(), [], 'no process was started');
    assert.deepEqual(['dev', 'staging', 'prod'].map((e) => readFileSync(join(root, `envs/${e}/values.yaml`), 'utf8')), before);
    assert.equal(readFileSync(join(root, 'gitops-pilot.yaml'), 'utf8'), config, 'the config was not rewritten');
  });

  test('the tree shows History as needing trust instead of running git', async () => {
    spy.calls.length = 0;
    const tree = api.environmentsTree;
    const roots = (await tree.getChildren()) as unknown[];
    const dev = roots.find((n) => (tree.getTreeItem(n) as vscode.TreeItem).label === 'dev')!;
    const rows = (await tree.getChildren(dev)) as unknown[];
    const history = rows.find((n) => (tree.getTreeItem(n) as vscode.TreeItem).label === 'History')!;
    const inside = ((await tree.getChildren(history)) as unknown[]).map((n) => (tree.getTreeItem(n) as vscode.TreeItem).label);
    assert.deepEqual(inside, ['History needs a trusted workspace']);
    assert.deepEqual(ours(), [], 'git did not run');
  });

  test('images and clusters: building, pushing, shipping, watching and the Argo actions run nothing and contact no cluster', async () => {
    spy.calls.length = 0;
    const dockerfile = vscode.Uri.file(join(root, 'Dockerfile'));
    await vscode.commands.executeCommand('gitopsPilot.buildImage', dockerfile);
    await vscode.commands.executeCommand('gitopsPilot.pushImage', '1.2.3', root);
    await vscode.commands.executeCommand('gitopsPilot.ship', root);
    await vscode.commands.executeCommand('gitopsPilot.refreshImages');
    for (const id of ['watchRollout', 'syncArgoApp', 'refreshArgoApp', 'promoteCanary', 'abortRollout', 'selectKubeContext', 'showRolloutDetails']) {
      await vscode.commands.executeCommand(`gitopsPilot.${id}`, 'dev', root);
    }
    // the tree, expanded, says the cluster needs trust instead of connecting
    const tree = api.environmentsTree;
    const roots = (await tree.getChildren()) as unknown[];
    const dev = roots.find((n) => (tree.getTreeItem(n) as vscode.TreeItem).label === 'dev')!;
    const labels = ((await tree.getChildren(dev)) as unknown[]).map((n) => String((tree.getTreeItem(n) as vscode.TreeItem).label));
    assert.ok(labels.includes('Cluster state needs a trusted workspace'), JSON.stringify(labels));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(ours(), [], 'no process was started (no docker, no git, no credential plugin)');
    assert.equal(api.rollouts.stats().openWatches, 0, 'no watch was opened');
    assert.throws(() => readFileSync(process.env.GITOPS_PILOT_TEST_MARKER!), /ENOENT/, "the kubeconfig's credential plugin never ran");
    assert.equal(api.images.state.kind, 'disabled', 'the Images view asks ECR nothing in Restricted Mode');
  });

  test('Open Values File still works (reading is allowed)', async () => {
    await vscode.commands.executeCommand('gitopsPilot.openValuesFile', 'staging');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, join(root, 'envs/staging/values.yaml'));
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 3);
  });
});
