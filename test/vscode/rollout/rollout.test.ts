/**
 * Rollouts in the real extension host, against the Kubernetes simulator and an Argo-CD-like agent that
 * syncs what is pushed to the workspace's bare remote (see setup.ts). Commands run as the tree's menus
 * run them, with the deployment confirmation off.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { activateWithEnvironments } from '../activate';
import type { ExtensionApi } from '../../../src/extension';
import type { RolloutItemState } from '../../../src/vscode/statusBar';
import { note } from '../report';

type Node = { id?: string };

function until<T>(subscribe: (fire: () => void) => { dispose(): void }, check: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const now = check();
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const sub = subscribe(() => {
      const v = check();
      if (!v) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    });
  });
}

suite('rollouts: the tree and the status bar follow the cluster', () => {
  let api: ExtensionApi;
  const seen: string[] = [];
  const times: number[] = [];

  const live = (id: string) => {
    const e = api.environments.find(id)!;
    return api.rollouts.live.state(e);
  };
  const onLive = (fire: () => void) => api.rollouts.live.onDidChange(() => fire());
  const onIndicators = (fire: () => void) => api.rollouts.onDidChangeIndicators(() => fire());
  const indicator = (env: string): RolloutItemState | undefined => api.rollouts.indicators.find((i) => i.env === env);

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
  async function child(parent: Node, label: string): Promise<Node> {
    for (const n of await children(parent)) if ((await item(n)).label === label) return n;
    throw new Error(`no ${label} under ${parent.id}`);
  }

  suiteSetup(async () => {
    api = await activateWithEnvironments();
    api.rollouts.onDidChangeIndicators(() => {
      for (const i of api.rollouts.indicators) {
        if (seen[seen.length - 1] !== i.text) {
          seen.push(i.text);
          times.push(Date.now());
        }
      }
    });
  });

  test('environments show their cluster live: dev and staging Synced · Healthy, prod not mapped', async () => {
    const dev = await until(onLive, () => live('dev')?.health === 'healthy' && live('dev'), 'dev healthy');
    assert.equal(dev.summary, 'demo-app 1.0.5 · Synced · Healthy');
    await until(onLive, () => live('staging')?.health === 'healthy', 'staging healthy');
    assert.equal(live('prod'), undefined, 'prod says nowhere where it runs');
    const devRow = await item(await envNode('dev'));
    assert.equal(devRow.description, 'demo-app 1.0.5 · Synced · Healthy');
    assert.match(String(devRow.contextValue), /;cluster;workload=deployment;argocd;/);
    const prod = await envNode('prod');
    assert.equal((await item(await child(prod, 'Cluster'))).description, 'not mapped: Select Kubernetes Context…');
  });

  test('expanded, dev shows the running image, the Argo CD app, the rollout with its pods, and events', async () => {
    const dev = await envNode('dev');
    // expanded as a user does: the view tells the refresh manager, and the details are watched
    await api.environmentsView.reveal(dev, { expand: true });
    await until(onLive, () => live('dev')?.detailed && live('dev')!.pods.length === 2, 'the pods of dev');
    assert.equal((await item(await child(dev, 'Running'))).description, '127.0.0.1:5000/demo-app:1.0.5');
    assert.match(String((await item(await child(dev, 'Argo CD'))).description), /^demo-app-dev · Synced · Healthy · [0-9a-f]{7}$/);
    const rollout = await child(dev, 'Rollout');
    assert.equal((await item(rollout)).description, 'deployment/demo-app · rolled out · 2/2 ready');
    const rows = await Promise.all((await children(rollout)).map(item));
    assert.deepEqual(rows.map((r) => String(r.label)).filter((l) => l.startsWith('revision')), ['revision 1']);
    assert.equal(rows.filter((r) => String(r.description).startsWith('Running')).length, 2, 'two running pods');
  });

  test('Set Image Tag on dev: the status bar goes from progressing to done with the new tag, within the rollout', async () => {
    seen.length = 0;
    const t0 = Date.now();
    times.length = 0;
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'dev', '1.0.6');
    note('setImageTagCommandMs', Date.now() - t0);
    const done = await until(onIndicators, () => indicator('dev')?.state === 'done' && indicator('dev'), 'dev done in the status bar', 60_000);
    note('bumpToStatusBarDoneMs', Date.now() - t0);
    note('indicatorTimeline', seen.map((t, i) => `${times[i]! - t0}ms ${t}`));
    assert.equal(done.text, '$(check) dev 1.0.6');
    const progressing = seen.filter((t) => /^\$\(sync~spin\) dev [0-2]\/2$/.test(t));
    assert.ok(progressing.length >= 1, `progressing was shown with ready/desired counts; saw ${JSON.stringify(seen)}`);
    assert.ok(seen.indexOf(progressing[0]!) < seen.indexOf('$(check) dev 1.0.6'), 'progressing before done');
    await until(onLive, () => live('dev')?.summary === 'demo-app 1.0.6 · Synced · Healthy', 'the tree shows 1.0.6');
  });

  test('an image that cannot be pulled: the status bar turns to failed with ImagePullBackOff, and the tree says why', async () => {
    seen.length = 0;
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'dev', '1.0.7-missing');
    const failed = await until(onIndicators, () => indicator('dev')?.state === 'failed' && indicator('dev'), 'dev failed in the status bar', 60_000);
    assert.equal(failed.text, '$(error) dev ImagePullBackOff');
    assert.match(failed.tooltip, /pod demo-app-[a-z0-9]+-[a-z0-9]+: ImagePullBackOff/);
    assert.ok(seen.some((t) => t.startsWith('$(sync~spin) dev')), `it was progressing first; saw ${JSON.stringify(seen)}`);
    await until(onLive, () => live('dev')?.health === 'degraded', 'dev degraded in the tree');
    const dev = await envNode('dev');
    assert.match(String((await item(dev)).description), /^demo-app 1\.0\.7-missing · Synced · ImagePullBackOff$/);
    const pods = await Promise.all((await children(await child(dev, 'Rollout'))).map(item));
    assert.ok(pods.some((p) => String(p.description).startsWith('ImagePullBackOff')), 'a pod row with the reason');
    const events = await Promise.all((await children(await child(dev, 'Events'))).map(item));
    assert.ok(events.length > 0);
    const firstNormal = events.findIndex((e) => (e.iconPath as vscode.ThemeIcon).id === 'info');
    const lastWarning = events.map((e) => (e.iconPath as vscode.ThemeIcon).id).lastIndexOf('warning');
    assert.ok(lastWarning >= 0 && (firstNormal < 0 || lastWarning < firstNormal), 'warnings first');
  });

  test('clicking the indicator reveals the rollout; rolling back brings dev back to done', async () => {
    const failed = indicator('dev')!;
    await vscode.commands.executeCommand('gitopsPilot.showRolloutDetails', failed.envId, failed.projectRoot);
    seen.length = 0;
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'dev', '1.0.6');
    const done = await until(onIndicators, () => indicator('dev')?.state === 'done' && indicator('dev'), 'dev done again', 60_000);
    assert.equal(done.text, '$(check) dev 1.0.6');
  });

  test('Watch Rollout on staging: done at once when it runs what git declares', async () => {
    await vscode.commands.executeCommand('gitopsPilot.watchRollout', 'staging');
    const s = await until(onIndicators, () => indicator('staging')?.state === 'done' && indicator('staging'), 'staging done');
    assert.equal(s.text, '$(check) staging 1.0.4');
  });

  test('onFailure: rollback — a tag that cannot run on staging is reverted automatically, and staging is healthy again', async () => {
    const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
    seen.length = 0;
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'staging', '1.0.9-missing');
    await until(onIndicators, () => indicator('staging')?.state === 'failed' && indicator('staging'), 'staging failed', 60_000);
    // nobody acts: the revert is committed and pushed, Argo CD brings the previous image back
    const back = await until(onIndicators, () => indicator('staging')?.state === 'done' && indicator('staging'), 'staging done again after the automatic rollback', 60_000);
    assert.equal(back.text, '$(check) staging 1.0.4');
    const log = execFileSync('git', ['--git-dir', remote, 'log', '-2', '--format=%s'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(log, ['rollback(staging): demo-app 1.0.9-missing -> 1.0.4', 'deploy(staging): demo-app 1.0.4 -> 1.0.9-missing']);
    await until(onLive, () => live('staging')?.summary === 'demo-app 1.0.4 · Synced · Healthy', 'the tree shows staging on 1.0.4');
    // prod's gate follows staging: protected, so staging must be healthy (no gates: configured, no soak)
    assert.match(String((await item(await envNode('prod'))).description), / · ready · staging healthy \d+m$/);
  });

  test('watches stop when the view is hidden and nothing is watched', async () => {
    const stats = api.rollouts.stats();
    note('openWatchesWhileVisible', stats.openWatches);
    assert.ok(stats.openWatches > 0);
    await vscode.commands.executeCommand('workbench.view.explorer');
    await until(onLive, () => api.rollouts.live.isActive === false || undefined, 'the live model inactive', 10_000).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (api.rollouts.stats().openWatches > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(api.rollouts.stats().watched, 0);
    assert.equal(api.rollouts.stats().openWatches, 0, 'no stream left open');
    await vscode.commands.executeCommand('gitopsPilot.environments.focus');
    await until(onLive, () => live('dev')?.health === 'healthy', 'watching again when shown');
  });
});
