/**
 * Benchmark probe (run by `npm run bench`, not by `npm test`): the extension's activation in a real
 * extension host — VS Code's `activate()` round trip, and the extension's own part (evaluating
 * dist/extension.js plus activate()) — next to an empty peer extension activated by the same host, and
 * whether activation loaded the Kubernetes or AWS SDK bundles (it must not). Then, for the tree's scale measurement, the time to load
 * and render the Environments tree of this workspace.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { note } from '../report';

suite('bench: activation', () => {
  test('activation time and lazily loaded SDKs', async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!;
    const peer = vscode.extensions.getExtension<{ loadMs: number }>('gitops-pilot-bench.empty-peer');
    assert.ok(!ext.isActive, 'the extension must not be active before the probe (no startup activation on this workspace)');
    // the same VS Code machinery activates both; which goes first alternates between starts
    const timeActivate = async <T>(e: vscode.Extension<T>): Promise<[T, number]> => {
      const t0 = performance.now();
      const api = await e.activate();
      return [api, performance.now() - t0];
    };
    let peerMs: number | undefined;
    let peerLoad: number | undefined;
    if (peer && process.env.GITOPS_PILOT_BENCH_ORDER === 'peer-first') [{ loadMs: peerLoad }, peerMs] = await timeActivate(peer);
    const [api, total] = await timeActivate(ext);
    if (peer && peerMs === undefined) [{ loadMs: peerLoad }, peerMs] = await timeActivate(peer);
    note('activateTotalMs', total);
    note('activateCallMs', api.activationMs);
    note('loadMs', api.loadMs ?? NaN);
    note('peerActivateTotalMs', peerMs ?? NaN);
    note('peerLoadMs', peerLoad ?? NaN);
    const cache = Object.keys(require.cache);
    note('sdkBundlesLoadedAtActivation', cache.filter((k) => /dist[\\/]lazy-(kube|ecr)\.js$/.test(k)).length);
    note('awsOrKubeModulesLoaded', cache.filter((k) => /@aws-sdk|@kubernetes\/client-node/.test(k)).length);
  });

  test('tree: load and render every row', async () => {
    const api = await vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
    const tree = api.environmentsTree;
    const walk = async (node?: unknown): Promise<number> => {
      let rows = 0;
      for (const child of ((await tree.getChildren(node)) ?? []) as unknown[]) {
        const item = await tree.getTreeItem(child);
        rows++;
        // expand what a user sees expanded: groups and environments (not History: that runs git)
        if (item.label !== 'History' && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) rows += await walk(child);
      }
      return rows;
    };
    // the first load after activation, then the median of five more (what a Refresh costs)
    const loads: number[] = [];
    const renders: number[] = [];
    let rows = 0;
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      await api.environments.reload();
      const loaded = performance.now();
      rows = await walk();
      loads.push(loaded - t0);
      renders.push(performance.now() - loaded);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    note('treeEnvironments', api.environments.environments.length);
    note('treeFirstLoadMs', loads[0]!);
    note('treeLoadMs', median(loads.slice(1)));
    note('treeRenderMs', median(renders.slice(1)));
    note('treeRows', rows);
  });
});
