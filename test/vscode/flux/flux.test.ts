/**
 * Select Kubernetes Context… on a Flux user's cluster (see setup.ts), in the real extension host: the
 * workspace says nothing about where its environments run; the command lists the contexts, namespaces,
 * workloads and then the Flux objects whose inventory (or helm-controller's labels) hold the chosen
 * workload. The test answers each real quick pick with its suggestion (the first item, as Enter does);
 * the cluster is arranged so that a wrong offer would be the suggestion: a Kustomization that sorts first
 * and applies another Deployment of the same namespace. The choice is the workspace's mapping, and the
 * Environments tree then shows the Flux row.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { activateWithEnvironments } from '../activate';
import type { ExtensionApi } from '../../../src/extension';
import { until } from '../until';

type Node = { id?: string };

suite('Flux: Select Kubernetes Context… offers the Flux object that applies the workload', () => {
  let api: ExtensionApi;
  const remote = () => process.env.GITOPS_PILOT_TEST_REMOTE!;
  const head = () => execFileSync('git', ['--git-dir', remote(), 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
  const live = (id: string) => api.rollouts.live.state(api.environments.find(id)!);
  const onLive = (fire: () => void) => api.rollouts.live.onDidChange(() => fire());

  async function children(node?: Node): Promise<Node[]> {
    return (await api.environmentsTree.getChildren(node as never)) as Node[];
  }
  async function item(node: Node): Promise<vscode.TreeItem> {
    return api.environmentsTree.getTreeItem(node as never);
  }
  async function envNode(name: string): Promise<Node> {
    for (const n of await children()) if ((await item(n)).label === name) return n;
    throw new Error(`no ${name} row`);
  }
  async function rows(env: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const n of await children(await envNode(env))) {
      const i = await item(n);
      out.set(String(typeof i.label === 'object' ? i.label.label : i.label), String(i.description ?? ''));
    }
    return out;
  }

  /**
   * Runs Select Kubernetes Context… for an environment and takes each quick pick's suggestion (the first
   * item, as Home + Enter) until the command ends. Accepting while no pick is open does nothing, so the
   * picks may open whenever the cluster answers.
   */
  async function selectWithSuggestions(env: string): Promise<void> {
    let settled = false;
    const run = Promise.resolve(vscode.commands.executeCommand('gitopsPilot.selectKubeContext', env)).finally(() => (settled = true));
    const deadline = Date.now() + 20_000;
    while (!settled) {
      if (Date.now() > deadline) {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        throw new Error(`Select Kubernetes Context… for ${env} did not finish`);
      }
      // Enter accepts the active item; a pick opened without the window's focus has none until it moves
      await vscode.commands.executeCommand('quickInput.first');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 50));
    }
    await run;
  }

  suiteSetup(async () => {
    api = await activateWithEnvironments();
  });

  test('before the pick, no environment says where it runs', async () => {
    for (const env of ['dev', 'staging', 'prod']) {
      assert.equal(live(env), undefined, `${env} is not mapped`);
      assert.equal((await rows(env)).get('Cluster'), 'not mapped: Select Kubernetes Context…');
    }
  });

  test("dev: the Kustomization whose inventory holds dev's demo-app is the suggestion; the tree shows its Flux row", async () => {
    await selectWithSuggestions('dev');
    await until(onLive, () => live('dev')?.flux?.status.state === 'ready', 'the Flux object of dev, Ready', 20_000);
    const flux = live('dev')!.flux!;
    assert.deepEqual([flux.kind, flux.namespace, flux.name], ['Kustomization', 'flux-system', 'apps-dev'], 'not apps/aaa-other, which applies only dev/other');
    assert.equal(flux.appliedCommit, head());
    assert.equal(live('dev')!.summary, 'demo-app 1.0.5 · Flux Ready · Healthy');
    const r = await rows('dev');
    assert.equal(r.get('Flux'), `apps-dev · Ready · applied main@sha1:${head().slice(0, 8)}`);
    assert.equal(r.get('Running'), '127.0.0.1:5000/demo-app:1.0.5');
    const fluxNode = (await children(await envNode('dev'))).find((n) => n.id?.endsWith(':flux'))!;
    assert.match(String((await item(fluxNode)).contextValue), /;fluxObject;active;/, 'Reconcile / Suspend act on it');
  });

  test("staging: the HelmRelease whose labels are on staging's demo-app; its row shows the deployed chart version with the commit", async () => {
    await selectWithSuggestions('staging');
    await until(onLive, () => live('staging')?.flux?.status.state === 'ready', 'the Flux object of staging, Ready', 20_000);
    const flux = live('staging')!.flux!;
    assert.deepEqual([flux.kind, flux.namespace, flux.name], ['HelmRelease', 'flux-system', 'demo-app-staging']);
    assert.equal(flux.release, 'staging/demo-app.v1');
    assert.equal((await rows('staging')).get('Flux'), `demo-app-staging · Ready · applied 0.1.0+${head().slice(0, 12)}`);
  });

  test('prod: no Flux object applies its workload, so there is no Flux step and no Flux row', async () => {
    await selectWithSuggestions('prod');
    await until(onLive, () => live('prod')?.health === 'healthy', 'prod mapped and healthy', 20_000);
    assert.equal(live('prod')!.flux, undefined);
    assert.equal(live('prod')!.summary, 'demo-app 1.0.3 · Healthy');
    const r = await rows('prod');
    assert.ok(!r.has('Flux'), `no Flux row: ${JSON.stringify([...r])}`);
    assert.ok(!r.has('Cluster'), 'mapped now');
  });

  test('Reconcile with Flux Now on dev acts on the picked Kustomization (source first), and dev stays Ready', async () => {
    const before = live('dev')!.flux!;
    await vscode.commands.executeCommand('gitopsPilot.reconcileFlux', 'dev');
    await until(onLive, () => live('dev')?.flux?.status.state === 'ready' && live('dev')!.flux !== before, 'dev reconciled and Ready again', 20_000);
    assert.equal(live('dev')!.flux!.source?.revision, `main@sha1:${head()}`);
  });
});
