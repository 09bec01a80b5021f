/**
 * What the extension does in a real extension host against the Kubernetes simulator:
 *   - rollout latency to the status bar: from the simulator marking the last new pod Ready to the
 *     status-bar indicator saying done, against `kubectl rollout status` on the same rollout;
 *   - memory over a long watch: extension-host heap before and after 100,000 watch events across 50
 *     environments (after a warm-up, with a full GC before each reading).
 * The simulator runs here; the probe (test/vscode/bench/cluster.test.ts) runs in the extension host and
 * asks this process to act on the cluster over a small loopback control server
 * ($GITOPS_PILOT_BENCH_CONTROL): POST /rollout?tag=T starts a rollout (and kubectl watching it), GET
 * /rollout?tag=T answers when it finished, POST /churn?n=N makes N watch events.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { rolloutStatus } from '../../src/core/kube/rolloutStatus';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../support/kubesim';
import { Kubectl, kubectlInstalled } from '../support/kubesim/kubectl';
import { tempDir, writeTree } from '../support/tmp';
import { runSuite } from '../vscode/launch';
import { median, type Results } from './results';

const REPO = 'registry.example.com/web';
/** wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine */
const now = () => performance.timeOrigin + performance.now();

interface RolloutRecord {
  podReadyAt?: number;
  kubectlAt?: number;
  kubectlCode?: number | null;
  done: Promise<void>;
}

/** The control server the probe calls. */
function control(sim: KubeSim, kubectl: Kubectl | undefined): { server: Server; url: Promise<string> } {
  const rollouts = new Map<string, RolloutRecord>();
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      if (u.pathname === '/rollout' && req.method === 'POST') {
        const tag = u.searchParams.get('tag')!;
        const image = `${REPO}:${tag}`;
        const rec: RolloutRecord = { done: Promise.resolve() };
        let wasReady = new Set<string>();
        const stop = sim.onChange((ev) => {
          if (ev.rt.resource !== 'pods' || ev.object.metadata.namespace !== 'lat' || ev.object.spec?.containers?.[0]?.image !== image) return;
          const ready = (ev.object.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
          const pod = String(ev.object.metadata.name);
          if (ready && !wasReady.has(pod)) {
            wasReady = new Set([...wasReady, pod]);
            rec.podReadyAt = now(); // the last one to turn Ready wins
          }
        });
        sim.store.patch('deployments', 'lat', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });
        const kc = kubectl?.spawn(['rollout', 'status', 'deploy/web', '-n', 'lat', '--timeout=60s'], 60_000);
        rec.done = (async () => {
          if (kc) {
            const r = await kc.done;
            rec.kubectlAt = now();
            rec.kubectlCode = r.code;
          }
          await sim.waitFor(() => {
            const d = sim.store.get('deployments', 'lat', 'web');
            return d.spec.template.spec.containers[0].image === image && rolloutStatus(d).state === 'done';
          }, { timeoutMs: 60_000 });
          stop();
        })();
        rollouts.set(tag, rec);
        return reply(200, { started: now() });
      }
      if (u.pathname === '/rollout' && req.method === 'GET') {
        const rec = rollouts.get(u.searchParams.get('tag')!);
        if (!rec) return reply(404, { error: 'no such rollout' });
        await rec.done;
        return reply(200, { podReadyAt: rec.podReadyAt, kubectlAt: rec.kubectlAt, kubectlCode: rec.kubectlCode });
      }
      if (u.pathname === '/churn' && req.method === 'POST') {
        const n = Number(u.searchParams.get('n'));
        const envs = Number(u.searchParams.get('envs'));
        const t0 = now();
        // one watch event each: a label on a Deployment changes (no new generation, no rollout)
        for (let i = 0; i < n; i++) {
          const e = i % envs;
          sim.store.patch('deployments', namespaceOf(e), `app-${e}`, 'merge', { metadata: { labels: { churn: String(i) } } });
          if (i % 500 === 499) await new Promise((r) => setImmediate(r)); // let the watch streams write
        }
        return reply(200, { events: n, ms: now() - t0 });
      }
      reply(404, { error: 'unknown' });
    })().catch((err: unknown) => reply(500, { error: String(err) }));
  });
  const url = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
  return { server, url };
}

const NAMESPACES = 10;
const namespaceOf = (e: number) => `ns-${e % NAMESPACES}`;

function latencyWorkspace(dir: string): void {
  writeTree(dir, {
    'gitops-pilot.yaml': 'gitops:\n  repo: .\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n    cluster: { context: kubesim, namespace: lat }\n    workload: deployment/web\n',
    'envs/dev/values.yaml': `image:\n  repository: ${REPO}\n  tag: "0"\n`,
  });
}

function memoryWorkspace(dir: string, envs: number): void {
  const files: Record<string, string> = {};
  const lines = ['gitops:', '  repo: .', 'environments:'];
  for (let e = 0; e < envs; e++) {
    lines.push(`  - name: e${e}`, `    file: envs/e${e}/values.yaml`, `    cluster: { context: kubesim, namespace: ${namespaceOf(e)} }`, `    workload: deployment/app-${e}`);
    files[`envs/e${e}/values.yaml`] = `image:\n  repository: ${REPO}\n  tag: "1"\n`;
  }
  files['gitops-pilot.yaml'] = `${lines.join('\n')}\n`;
  writeTree(dir, files);
}

export async function benchExtensionHost(results: Results, opts: { rollouts?: number; envs?: number; events?: number } = {}): Promise<void> {
  const envs = opts.envs ?? 50;
  const events = opts.events ?? 100_000;
  const tmp = tempDir('gitops-pilot-bench-host-');
  // pods take 1.5 s to become ready: every watcher is connected well before the last one is
  const sim = await startKubeSim({ bookmarkIntervalMs: 60_000, timings: { readyMs: 1500 } });
  const kubectl = kubectlInstalled() ? new Kubectl(sim, { namespace: 'lat' }) : undefined;
  const ctl = control(sim, kubectl);
  try {
    const kubeconfig = join(tmp.dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
    createRolledOutDeployment(sim, { namespace: 'lat', name: 'web', replicas: 3, image: `${REPO}:0` });
    for (let e = 0; e < envs; e++) createRolledOutDeployment(sim, { namespace: namespaceOf(e), name: `app-${e}`, replicas: 1, image: `${REPO}:1` });
    const base = { env: { GITOPS_PILOT_BENCH_CONTROL: await ctl.url, GITOPS_PILOT_BENCH_ROLLOUTS: String(opts.rollouts ?? 7), GITOPS_PILOT_BENCH_ENVS: String(envs), GITOPS_PILOT_BENCH_EVENTS: String(events) }, userSettings: { 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig] } };

    latencyWorkspace(join(tmp.dir, 'latency'));
    const lat = await runSuite({ name: 'bench-statusbar', suite: 'bench', grep: 'status bar latency', workspace: join(tmp.dir, 'latency'), ...base });
    if (lat.failed) throw new Error(`status bar probe failed: ${JSON.stringify(lat.failures)}`);
    const ours = JSON.parse(String(lat.notes.statusBarLatencies)) as number[];
    const theirs = JSON.parse(String(lat.notes.kubectlLatencies)) as number[];
    results.add({
      name: 'rollout: last pod Ready → status bar says done (extension host)',
      value: median(ours),
      unit: 'ms',
      ...(theirs.length ? { peer: 'kubectl rollout status exits', peerValue: median(theirs) } : {}),
      target: 'ratio <= 1.0',
      note: `median of ${ours.length} rollouts of 3 pods; the indicator's text as the extension sets it (the window paints it a frame later)`,
    });

    memoryWorkspace(join(tmp.dir, 'memory'), envs);
    const mem = await runSuite({ name: 'bench-memory', suite: 'bench', grep: 'memory', workspace: join(tmp.dir, 'memory'), ...base });
    if (mem.failed) throw new Error(`memory probe failed: ${JSON.stringify(mem.failures)}`);
    const n = (k: string) => Number(mem.notes[k]);
    results.add({
      name: `memory: extension-host heap after ${events.toLocaleString('en')} watch events across ${envs} environments`,
      value: Math.round(n('heapEndMb') * 10) / 10,
      unit: 'MB',
      peer: 'heap after warm-up',
      peerValue: Math.round(n('heapStartMb') * 10) / 10,
      target: 'no growth after warm-up',
      note: `${n('eventsSeen')} events reached the informers in ${(n('churnMs') / 1000).toFixed(1)} s; ${n('openWatches')} watch streams for ${envs} environments in ${NAMESPACES} namespaces; RSS ${n('rssStartMb').toFixed(0)} → ${n('rssEndMb').toFixed(0)} MB; full GC before each reading`,
    });
  } finally {
    ctl.server.close();
    kubectl?.dispose();
    await sim.close();
    tmp.cleanup();
  }
}
