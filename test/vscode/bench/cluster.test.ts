/**
 * Benchmark probes on a cluster (run by `npm run bench` through test/bench/extensionHost.ts, not by
 * `npm test`): the status bar's rollout latency, and the extension host's heap over a long watch. The
 * simulator runs in the launcher process; $GITOPS_PILOT_BENCH_CONTROL is its control server.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { note } from '../report';

const CONTROL = process.env.GITOPS_PILOT_BENCH_CONTROL ?? '';
const now = () => performance.timeOrigin + performance.now();

async function call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const r = await fetch(`${CONTROL}${path}`, { method });
  const body = (await r.json()) as T & { error?: string };
  if (!r.ok) throw new Error(`${method} ${path}: ${body.error ?? r.status}`);
  return body;
}

async function api(): Promise<ExtensionApi> {
  return vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
}

function until(check: () => boolean, what: string | (() => string), timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** A full garbage collection (the extension host runs without --expose-gc). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

const mb = (n: number) => n / 2 ** 20;

suite('bench: cluster', function () {
  this.timeout(10 * 60_000);

  test('status bar latency against kubectl', async () => {
    assert.ok(CONTROL, 'GITOPS_PILOT_BENCH_CONTROL is set');
    const a = await api();
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const ours: number[] = [];
    const kubectl: number[] = [];
    const rollouts = Number(process.env.GITOPS_PILOT_BENCH_ROLLOUTS) || 7;
    for (let i = 1; i <= rollouts; i++) {
      const tag = String(i);
      // the file declares the tag the cluster will roll out: Watch Rollout waits for it, then for done
      writeFileSync(join(root, 'envs/dev/values.yaml'), `image:\n  repository: registry.example.com/web\n  tag: "${tag}"\n`);
      await a.environments.reload();
      await until(() => {
        const dev = a.environments.find('dev');
        return dev?.file.ok === true && dev.file.declared.tag === tag;
      }, `the environment to declare ${tag}`);
      let doneAt = 0;
      const sub = a.rollouts.onDidChangeIndicators(() => {
        const s = a.rollouts.indicators.find((x) => x.env === 'dev');
        if (!doneAt && s?.state === 'done') doneAt = now();
      });
      try {
        await call('POST', `/rollout?tag=${tag}`);
        await vscode.commands.executeCommand('gitopsPilot.watchRollout', 'dev', root);
        const r = await call<{ podReadyAt?: number; kubectlAt?: number; kubectlCode?: number | null }>('GET', `/rollout?tag=${tag}`);
        await until(() => doneAt > 0, () => `the status bar to say dev is done (${tag}); it says ${JSON.stringify(a.rollouts.indicators.map((x) => `${x.text}: ${x.tooltip}`))}`);
        assert.ok(r.podReadyAt, 'the simulator saw the last pod turn Ready');
        ours.push(doneAt - r.podReadyAt!);
        if (r.kubectlAt !== undefined) {
          assert.equal(r.kubectlCode, 0, 'kubectl rollout status succeeded');
          kubectl.push(r.kubectlAt - r.podReadyAt!);
        }
      } finally {
        sub.dispose();
      }
    }
    note('statusBarLatencies', JSON.stringify(ours.map((x) => Math.round(x * 10) / 10)));
    note('kubectlLatencies', JSON.stringify(kubectl.map((x) => Math.round(x * 10) / 10)));
  });

  test('memory over a long watch', async () => {
    assert.ok(CONTROL, 'GITOPS_PILOT_BENCH_CONTROL is set');
    const envs = Number(process.env.GITOPS_PILOT_BENCH_ENVS) || 50;
    const total = Number(process.env.GITOPS_PILOT_BENCH_EVENTS) || 100_000;
    const a = await api();
    // the view is visible: every environment is watched, as when a user has the sidebar open
    await vscode.commands.executeCommand('workbench.view.extension.gitopsPilot');
    await until(() => a.rollouts.stats().watched === envs, `${envs} environments watched`);
    await until(() => a.environments.environments.every((e) => a.rollouts.live.state(e)?.health === 'healthy'), 'every environment healthy');
    const events = () => a.rollouts.stats().pool?.events ?? 0;
    const churn = async (n: number) => {
      const target = events() + n;
      const t0 = now();
      await call('POST', `/churn?n=${n}&envs=${envs}`);
      await until(() => events() >= target, `${n} events to reach the informers`, 5 * 60_000);
      await new Promise((r) => setTimeout(r, 500)); // the tree's batched refresh settles
      return now() - t0;
    };
    await churn(Math.min(10_000, total / 10)); // warm-up: caches, JIT, informer maps at their working size
    fullGc();
    const start = process.memoryUsage();
    const seen0 = events();
    const churnMs = await churn(total);
    fullGc();
    const end = process.memoryUsage();
    note('heapStartMb', mb(start.heapUsed));
    note('heapEndMb', mb(end.heapUsed));
    note('rssStartMb', mb(start.rss));
    note('rssEndMb', mb(end.rss));
    note('eventsSeen', events() - seen0);
    note('churnMs', churnMs);
    note('openWatches', a.rollouts.stats().openWatches);
  });
});
