/**
 * Rollout latency and watch cost, on the Kubernetes simulator:
 *   - latency from the simulator marking the last new pod Ready to (a) `gitops-pilot rollout-status
 *     --watch` returning, (b) `kubectl rollout status` returning, on the same rollout, and (c) the core's
 *     watchRollout (what the status bar runs) reporting done; median of several rollouts;
 *   - what watching costs the API server: requests and open watch streams per minute while watching 1, 10
 *     and 50 environments (collapsed: the workload; expanded: + pods, ReplicaSets, events), against a
 *     5-second polling loop over the same environments (GET the workload + LIST its pods).
 * Bookmarks are sent every 60 s as by a real API server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EnvironmentWatch } from '../../src/core/kube/environmentWatch';
import { resourcePath } from '../../src/core/kube/resources';
import { rolloutStatus } from '../../src/core/kube/rolloutStatus';
import { KubeSession } from '../../src/core/kube/session';
import { watchRollout } from '../../src/core/kube/watchRollout';
import { cliPath } from '../support/cliProcess';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../support/kubesim';
import { Kubectl, kubectlInstalled } from '../support/kubesim/kubectl';
import { tempDir } from '../support/tmp';
import { median, type Results } from './results';

const REPO = 'registry.example.com/web';

function exitTime(args: string[], env: NodeJS.ProcessEnv, cmd = process.execPath): { started: Promise<void>; exited: Promise<{ at: number; code: number | null; out: string }> } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return {
    started: new Promise((r) => child.once('spawn', () => r())),
    exited: new Promise((resolve) => child.on('exit', (code) => resolve({ at: performance.now(), code, out }))),
  };
}

/** performance.now() when the last pod of the new template turned Ready, and when the Deployment said done. */
function recordReady(sim: KubeSim, ns: string, name: string, image: string): { pod: () => number; deployment: () => number; stop: () => void } {
  let pod = 0;
  let deployment = 0;
  const stop = sim.onChange((ev) => {
    if (ev.rt.resource === 'pods' && ev.object.metadata.namespace === ns && ev.object.spec?.containers?.[0]?.image === image) {
      const ready = (ev.object.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      const wasReady = ev.prev && (ev.prev.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (ready && !wasReady) pod = performance.now();
    }
    if (ev.rt.resource === 'deployments' && ev.object.metadata.name === name && ev.object.metadata.namespace === ns && !deployment) {
      const o = ev.object;
      if (o.spec.template.spec.containers[0].image === image && rolloutStatus(o).state === 'done') deployment = performance.now();
    }
  });
  return { pod: () => pod, deployment: () => deployment, stop };
}

async function latency(results: Results, sim: KubeSim, kubeconfig: string, dir: string): Promise<void> {
  const kubectl = kubectlInstalled() ? new Kubectl(sim, { namespace: 'lat' }) : undefined;
  createRolledOutDeployment(sim, { namespace: 'lat', name: 'web', replicas: 3, image: `${REPO}:0` });
  const session = new KubeSession({ kubeconfig: () => ({ files: [kubeconfig], origin: 'setting' }) });
  const ours: number[] = [];
  const theirs: number[] = [];
  const core: number[] = [];
  const controllerLag: number[] = [];
  try {
    // pods take 1.5 s to become ready, so every client is up and watching well before the last one is
    sim.controllers.setTimings({ readyMs: 1500 });
    for (let i = 1; i <= 7; i++) {
      const image = `${REPO}:${i}`;
      const before = sim.stats.snapshot().openWatchesBy['deployments/lat'] ?? 0;
      const ready = recordReady(sim, 'lat', 'web', image);
      sim.store.patch('deployments', 'lat', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });
      const cli = exitTime([cliPath, 'rollout-status', '--kubeconfig', kubeconfig, '--namespace', 'lat', '--deployment', 'web', '--watch', '--timeout', '60s'], { PATH: process.env.PATH, HOME: dir });
      const kc = kubectl?.spawn(['rollout', 'status', 'deploy/web', '-n', 'lat', '--timeout=60s'], 60_000);
      let coreAt = 0;
      // the core's watch (the status bar's), expecting the new image
      const watching = watchRollout(session, { context: 'kubesim', namespace: 'lat', workload: { kind: 'deployment', name: 'web' } }, { expect: { repository: REPO, tag: String(i) }, timeoutMs: 60_000 }).then((p) => {
        coreAt = performance.now();
        return p;
      });
      let connectedAt = 0;
      void sim.waitFor(() => (sim.stats.snapshot().openWatchesBy['deployments/lat'] ?? 0) >= before + (kubectl ? 3 : 2), { timeoutMs: 30_000 }).then(() => (connectedAt = performance.now()), () => undefined);
      const [o, k, p] = await Promise.all([cli.exited, kc?.done.then((r) => ({ ...r, at: performance.now() })), watching]);
      ready.stop();
      if (o.code !== 0) throw new Error(`gitops-pilot rollout-status --watch exited ${o.code}: ${o.out}`);
      if (k && k.code !== 0) throw new Error(`kubectl rollout status exited ${k.code}: ${k.stderr}`);
      if (p.state !== 'done') throw new Error(`watchRollout: ${p.state} ${p.message}`);
      const t0 = ready.pod();
      if (!connectedAt || connectedAt > t0) continue; // a client was not watching yet when the last pod became ready: not a fair sample
      ours.push(o.at - t0);
      if (k) theirs.push(k.at - t0);
      core.push(coreAt - t0);
      controllerLag.push(ready.deployment() - t0);
    }
    sim.controllers.setTimings({ readyMs: 150 });
    if (!ours.length) throw new Error('no fair sample: the clients connected after the rollout finished');
  } finally {
    kubectl?.dispose();
    await session.dispose();
  }
  const note = `median of ${ours.length} rollouts of 3 pods; the simulated controller itself takes ${median(controllerLag).toFixed(0)} ms from the last Ready pod to the Deployment's final status`;
  results.add({ name: 'rollout: last pod Ready → gitops-pilot rollout-status --watch exits', value: median(ours), unit: 'ms', ...(theirs.length ? { peer: 'kubectl rollout status', peerValue: median(theirs) } : {}), note });
  results.add({ name: 'rollout: last pod Ready → watchRollout done (the status bar\'s watch, in process)', value: median(core), unit: 'ms', ...(theirs.length ? { peer: 'kubectl rollout status', peerValue: median(theirs) } : {}) });
}

/** Where the benchmark's environments run: each in its own namespace, or all in one. */
type Layout = 'across namespaces' | 'same namespace';

function placement(layout: Layout, i: number): { namespace: string; name: string } {
  return layout === 'same namespace' ? { namespace: 'shared', name: `app-${i}` } : { namespace: `env-${i}`, name: 'app' };
}

async function cost(results: Results, sim: KubeSim, kubeconfig: string, sizes: number[], windowMs: number): Promise<void> {
  const max = Math.max(...sizes);
  for (let i = 0; i < max; i++) {
    for (const layout of ['across namespaces', 'same namespace'] as const) {
      const p = placement(layout, i);
      createRolledOutDeployment(sim, { ...p, replicas: 2, image: `${REPO}:1` });
    }
  }
  const perMinute = (n: number) => (n * 60_000) / windowMs;
  for (const layout of ['across namespaces', 'same namespace'] as const) {
    for (const n of sizes) {
      for (const expanded of [false, true]) {
        const session = new KubeSession({ kubeconfig: () => ({ files: [kubeconfig], origin: 'setting' }) });
        const watches: EnvironmentWatch[] = [];
        const holds: Array<{ dispose(): void }> = [];
        sim.stats.reset();
        for (let i = 0; i < n; i++) {
          const p = placement(layout, i);
          const w = new EnvironmentWatch(session, { context: 'kubesim', namespace: p.namespace, workload: { kind: 'deployment', name: p.name } });
          watches.push(w);
          if (expanded) holds.push(w.holdDetail());
        }
        await sim.waitFor(() => watches.every((w) => w.state.workload && (!expanded || w.state.detailed)), { timeoutMs: 60_000, description: 'every environment synced' });
        // a view is synced once its lists answered; the watch requests that follow them belong to the start too
        for (let seen = -1, now = sim.stats.snapshot().requests; now !== seen; now = sim.stats.snapshot().requests) {
          seen = now;
          await new Promise((r) => setTimeout(r, 250));
        }
        const initial = sim.stats.snapshot().requests;
        sim.stats.reset();
        await new Promise((r) => setTimeout(r, windowMs));
        const snap = sim.stats.snapshot();
        results.add({
          name: `watch cost: ${n} env${n === 1 ? '' : 's'} ${layout}, ${expanded ? 'expanded' : 'collapsed'}: API requests per minute (steady)`,
          value: perMinute(snap.requests),
          unit: 'req/min',
          peer: '5 s polling loop',
          peerValue: (n * 2 * 60_000) / 5000,
          note: `${snap.openWatches} watch stream${snap.openWatches === 1 ? '' : 's'} open; ${initial} requests to start (a list and a watch per stream); measured over ${windowMs / 1000} s; each stream re-watches once per 5–10 min (server-side timeout), ≈ ${((snap.openWatches * 60) / 450).toFixed(1)} req/min over an hour`,
        });
        for (const h of holds) h.dispose();
        for (const w of watches) w.dispose();
        await session.dispose();
      }
      // the polling loop, measured: every 5 s, GET the workload and LIST its pods (what a rollout poller does)
      const session = new KubeSession({ kubeconfig: () => ({ files: [kubeconfig], origin: 'setting' }) });
      sim.stats.reset();
      const started = Date.now();
      while (Date.now() - started < windowMs) {
        await Promise.all(
          Array.from({ length: n }, (_, i) => {
            const p = placement(layout, i);
            return Promise.all([
              session.request('kubesim', 'GET', resourcePath('deployments', p.namespace, p.name), { verb: 'get' }),
              session.request('kubesim', 'GET', resourcePath('pods', p.namespace), { verb: 'list' }, { query: { labelSelector: `app=${p.name}` } }),
            ]);
          }),
        );
        await new Promise((r) => setTimeout(r, Math.max(0, 5000 - ((Date.now() - started) % 5000))));
      }
      const polled = sim.stats.snapshot();
      await session.dispose();
      results.add({ name: `watch cost: ${n} env${n === 1 ? '' : 's'} ${layout}: a 5 s polling loop, measured`, value: perMinute(polled.requests), unit: 'req/min', note: `${polled.openWatches} watch streams; a change is seen up to 5 s late` });
    }
  }
}

export async function benchRollout(results: Results, opts: { sizes?: number[]; windowMs?: number } = {}): Promise<void> {
  const tmp = tempDir('gitops-pilot-bench-rollout-');
  const sim = await startKubeSim({ bookmarkIntervalMs: 60_000, timings: { readyMs: 150 } });
  try {
    const kubeconfig = join(tmp.dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
    await latency(results, sim, kubeconfig, tmp.dir);
    await cost(results, sim, kubeconfig, opts.sizes ?? [1, 10, 50], opts.windowMs ?? 20_000);
  } finally {
    await sim.close();
    tmp.cleanup();
  }
}
