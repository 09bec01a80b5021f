/**
 * `gitops-pilot rollout-status` against the Kubernetes simulator, side by side with the real
 * `kubectl rollout status`:
 *   - at every recorded step of real rollouts (Deployment, one stuck until its progress deadline,
 *     StatefulSet, DaemonSet), replayed into a simulator without controllers, both print the same
 *     message and agree on done / progressing / failed;
 *   - on a live rollout, `--watch` and kubectl's watch both end done;
 *   - the errors a user meets: context missing, cluster unreachable, 401, 403, namespace and workload missing;
 *   - `--object FILE.json`, and `--env` waiting for the image git declares.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rolloutStatus } from '../../../src/core/kube/rolloutStatus';
import { runCli } from '../../support/cli';
import { cliPath } from '../../support/cliProcess';
import {
  createRolledOutDeployment,
  daemonSetManifest,
  deploymentManifest,
  ensureNamespace,
  startKubeSim,
  statefulSetManifest,
  waitForRollout,
  type KubeObject,
  type KubeSim,
} from '../../support/kubesim';
import { Kubectl, kubectlInstalled, KUBECTL } from '../../support/kubesim/kubectl';
import { tempDir, writeTree } from '../../support/tmp';

type Resource = 'deployments' | 'statefulsets' | 'daemonsets';
const FLAG: Record<Resource, string> = { deployments: 'deployment', statefulsets: 'statefulset', daemonsets: 'daemonset' };
const SHORT: Record<Resource, string> = { deployments: 'deploy', statefulsets: 'sts', daemonsets: 'ds' };

/** The CLI as a separate process (the bundle a pipeline runs). */
function cliProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Versions of one object while `action` runs, until `until(latest)`. */
async function record(sim: KubeSim, resource: Resource, ns: string, name: string, action: () => void, until: (o: KubeObject) => boolean): Promise<KubeObject[]> {
  const versions: KubeObject[] = [];
  const stop = sim.onChange((ev) => {
    if (ev.rt.resource === resource && ev.object.metadata.namespace === ns && ev.object.metadata.name === name && ev.type !== 'DELETED') versions.push(ev.object);
  });
  try {
    action();
    await sim.waitFor(() => versions.length > 0 && until(versions[versions.length - 1]!), { timeoutMs: 15_000, description: `${resource} ${ns}/${name} at the end of the scenario` });
  } finally {
    stop();
  }
  return versions;
}

describe('gitops-pilot rollout-status agrees with kubectl rollout status', () => {
  let live: KubeSim;
  let replay: KubeSim;
  let k: Kubectl;
  const tmp = tempDir('gitops-pilot-rollout-cli-');
  let replayConfig: string;
  let liveConfig: string;
  const steps: Array<{ resource: Resource; obj: KubeObject }> = [];
  const seen = new Set<string>();

  function collect(resource: Resource, versions: KubeObject[]): void {
    for (const v of versions) {
      const key = JSON.stringify([resource, rolloutStatus(v)]);
      if (seen.has(key)) continue;
      seen.add(key);
      const obj = structuredClone(v);
      obj.metadata.name = `${SHORT[resource]}-${steps.length}`;
      obj.metadata.namespace = 'replay';
      delete obj.metadata.resourceVersion;
      delete obj.metadata.uid;
      steps.push({ resource, obj });
    }
  }

  before(async () => {
    assert.ok(kubectlInstalled(), `kubectl not found at ${KUBECTL}`);
    live = await startKubeSim();
    replay = await startKubeSim({ controllers: false });
    ensureNamespace(replay, 'replay');
    k = new Kubectl(replay, { namespace: 'replay' });
    replayConfig = join(tmp.dir, 'replay.kubeconfig');
    replay.writeKubeconfig(replayConfig, { namespace: 'replay' });
    liveConfig = join(tmp.dir, 'live.kubeconfig');
    live.writeKubeconfig(liveConfig, { namespace: 'dev' });
    ensureNamespace(live, 'dev');
  });
  after(async () => {
    k.dispose();
    await live.close();
    await replay.close();
    tmp.cleanup();
  });

  test('scenarios: a Deployment update, one stuck until its progress deadline, a StatefulSet and a DaemonSet update', async () => {
    createRolledOutDeployment(live, { namespace: 'dev', name: 'web', replicas: 3 });
    collect('deployments', await record(live, 'deployments', 'dev', 'web', () => live.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:2' }] } } } }), (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done'));
    live.controllers.addBehavior({ image: 'registry.example.com/stuck:broken', behavior: 'image-pull-error' });
    createRolledOutDeployment(live, { namespace: 'dev', name: 'stuck', replicas: 2, progressDeadlineSeconds: 20 });
    collect('deployments', await record(live, 'deployments', 'dev', 'stuck', () => live.store.patch('deployments', 'dev', 'stuck', 'strategic', { spec: { template: { spec: { containers: [{ name: 'stuck', image: 'registry.example.com/stuck:broken' }] } } } }), (o) => rolloutStatus(o).state === 'failed'));
    live.store.create('statefulsets', statefulSetManifest({ namespace: 'dev', name: 'db', replicas: 2 }));
    await waitForRollout(live, 'statefulsets', 'dev', 'db');
    collect('statefulsets', await record(live, 'statefulsets', 'dev', 'db', () => live.store.patch('statefulsets', 'dev', 'db', 'strategic', { spec: { template: { spec: { containers: [{ name: 'db', image: 'registry.example.com/db:2' }] } } } }), (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done'));
    live.store.create('daemonsets', daemonSetManifest({ namespace: 'dev', name: 'agent' }));
    await waitForRollout(live, 'daemonsets', 'dev', 'agent');
    collect('daemonsets', await record(live, 'daemonsets', 'dev', 'agent', () => live.store.patch('daemonsets', 'dev', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'registry.example.com/agent:2' }] } } } }), (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done'));
    assert.ok(steps.length >= 10, `${steps.length} distinct steps`);
  });

  test('every step: the same message, and done / progressing / failed as kubectl decides (kubectl exits 1 only when failed)', async (t) => {
    for (const s of steps) replay.store.put(s.obj);
    const mismatches: string[] = [];
    const states = new Set<string>();
    for (const s of steps) {
      const name = s.obj.metadata.name!;
      const kr = await k.run(['rollout', 'status', `${SHORT[s.resource]}/${name}`, '-n', 'replay', '--watch=false']);
      const kubectlSays = kr.code === 0 ? kr.stdout.trim() : kr.stderr.replace(/^error: /, '').trim();
      const ours = await runCli(['rollout-status', '--kubeconfig', replayConfig, `--${FLAG[s.resource]}`, name], tmp.dir);
      const state = ours.code === 0 ? 'done' : ours.code === 3 ? 'progressing' : ours.code === 1 ? 'failed' : `exit ${ours.code}`;
      states.add(`${s.resource}:${state}`);
      const oursSays = state === 'failed' ? ours.err.replace(/^error: /, '').trim() : ours.out.trim().split('\n')[0]!;
      const kubectlState = kr.code === 1 ? 'failed' : /successfully rolled out|rolling update complete|roll out complete/.test(kubectlSays) ? 'done' : 'progressing';
      if (oursSays !== kubectlSays || state !== kubectlState) mismatches.push(`${name}: kubectl ${kubectlState} "${kubectlSays}" vs gitops-pilot ${state} "${oursSays}"`);
    }
    assert.deepEqual(mismatches, []);
    for (const want of ['deployments:done', 'deployments:progressing', 'deployments:failed', 'statefulsets:progressing', 'statefulsets:done', 'daemonsets:progressing', 'daemonsets:done']) assert.ok(states.has(want), `no ${want} step`);
    t.diagnostic(`${steps.length} steps compared`);
  });

  test('the bundled CLI: exit 0 done, 3 progressing, 1 failed; --json is one document', async () => {
    const pick = (state: string) => steps.find((s) => s.resource === 'deployments' && rolloutStatus(s.obj).state === state)!;
    for (const [state, code] of [['done', 0], ['progressing', 3], ['failed', 1]] as const) {
      const s = pick(state);
      const r = await cliProcess(['rollout-status', '--kubeconfig', replayConfig, '--deployment', s.obj.metadata.name!]);
      assert.equal(r.code, code, `${state}: ${r.out}${r.err}`);
    }
    const r = await cliProcess(['rollout-status', '--kubeconfig', replayConfig, '--deployment', pick('progressing').obj.metadata.name!, '--json']);
    const doc = JSON.parse(r.out);
    assert.equal(doc.state, 'progressing');
    assert.equal(doc.workload, `deployment/${pick('progressing').obj.metadata.name}`);
    assert.equal(doc.context, 'kubesim');
  });

  test('--watch on a live rollout ends done, as kubectl rollout status does', async () => {
    createRolledOutDeployment(live, { namespace: 'dev', name: 'watched', replicas: 3 });
    const kubectl = new Kubectl(live, { namespace: 'dev' });
    try {
      live.controllers.setTimings({ readyMs: 150 });
      live.store.patch('deployments', 'dev', 'watched', 'strategic', { spec: { template: { spec: { containers: [{ name: 'watched', image: 'registry.example.com/watched:2' }] } } } });
      const [ours, theirs] = await Promise.all([
        cliProcess(['rollout-status', '--kubeconfig', liveConfig, '--deployment', 'watched', '--watch', '--timeout', '60s']),
        kubectl.run(['rollout', 'status', 'deploy/watched', '-n', 'dev', '--timeout=60s']),
      ]);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal(ours.code, 0, ours.err);
      const last = (s: string) => s.trim().split('\n').pop();
      assert.equal(last(ours.out), last(theirs.stdout));
      assert.equal(last(ours.out), 'deployment "watched" successfully rolled out');
    } finally {
      live.controllers.setTimings({ readyMs: 20 });
      kubectl.dispose();
    }
  });

  test('--watch stops on ImagePullBackOff with the reason (kubectl waits for the deadline); --timeout gives up', async () => {
    live.controllers.addBehavior({ image: 'registry.example.com/web:missing', behavior: 'image-pull-error' });
    live.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:missing' }] } } } });
    const r = await runCli(['rollout-status', '--kubeconfig', liveConfig, '--deployment', 'web', '--watch', '--timeout', '30s'], tmp.dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: pod web-[a-z0-9]+-[a-z0-9]+: ImagePullBackOff: Back-off pulling image "registry\.example\.com\/web:missing"/);
    live.controllers.pause();
    try {
      live.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:3' }] } } } });
      const t = await runCli(['rollout-status', '--kubeconfig', liveConfig, '--deployment', 'web', '--watch', '--timeout', '300ms'], tmp.dir);
      assert.equal(t.code, 1);
      assert.match(t.err, /^error: timed out after 300ms waiting for the rollout \(Waiting for deployment spec update to be observed\.\.\.\)/);
    } finally {
      live.controllers.resume();
    }
  });

  test('errors say what is wrong and what to do: context, namespace and workload missing, 401, 403, unreachable', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--context', 'eks-nope', '--deployment', 'web'], 2, /^error: Context "eks-nope" is not in your kubeconfig .*\nhint: Known contexts: kubesim/],
      [['--namespace', 'nope', '--deployment', 'web'], 1, /^error: Namespace "nope" does not exist in the cluster of context "kubesim"/],
      [['--deployment', 'nope'], 1, /^error: deployment\/nope does not exist in namespace dev \(context "kubesim"\)/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runCli(['rollout-status', '--kubeconfig', liveConfig, ...args], tmp.dir);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
    }
    const remove = live.auth.forbid({ verb: 'list', resource: 'deployments', namespace: 'dev' });
    try {
      const r = await runCli(['rollout-status', '--kubeconfig', liveConfig, '--deployment', 'web'], tmp.dir);
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: You may not list deployments\.apps in namespace dev \(context "kubesim"\): deployments\.apps is forbidden: User "kubesim-admin" cannot list resource "deployments" in API group "apps" in the namespace "dev"\nhint: Ask a cluster admin for RBAC permission to list deployments\.apps in dev/);
    } finally {
      remove();
    }
    const secured = await startKubeSim({ auth: { tokens: { 'good-token-123': 'dev-user' } } });
    try {
      const bad = join(tmp.dir, 'bad-token.kubeconfig');
      secured.writeKubeconfig(bad, { token: 'expired-token-456' });
      const r = await runCli(['rollout-status', '--kubeconfig', bad, '--deployment', 'web'], tmp.dir);
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: The cluster of context "kubesim" rejected your credentials \(401 Unauthorized\)\nhint: The token or certificate in your kubeconfig is expired or wrong/);
      assert.ok(!r.err.includes('expired-token-456'), 'the token never shows');
    } finally {
      await secured.close();
    }
    const down = join(tmp.dir, 'down.kubeconfig');
    writeFileSync(down, `apiVersion: v1\nkind: Config\nclusters:\n- name: down\n  cluster: { server: 'http://127.0.0.1:9', insecure-skip-tls-verify: true }\ncontexts:\n- name: down\n  context: { cluster: down, user: u }\nusers:\n- name: u\n  user: {}\ncurrent-context: down\n`);
    const r = await runCli(['rollout-status', '--kubeconfig', down, '--deployment', 'web'], tmp.dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: Cannot reach the cluster of context "down" at http:\/\/127\.0\.0\.1:9: connection refused\nhint: Check that the cluster is running/);
  });

  test('--env: the environment\'s context, namespace and workload from gitops-pilot.yaml; waits for the image git declares (KUBECONFIG respected)', async () => {
    const project = join(tmp.dir, 'project');
    writeTree(project, {
      'gitops-pilot.yaml': 'gitops:\n  repo: .\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n    path: image.tag\n    cluster: { context: kubesim, namespace: dev }\n    workload: deployment/envapp\n  - name: staging\n    file: envs/staging/values.yaml\n    path: image.tag\n',
      'envs/dev/values.yaml': 'image:\n  repository: registry.example.com/envapp\n  tag: "2"\n',
      'envs/staging/values.yaml': 'image:\n  repository: registry.example.com/envapp\n  tag: "1"\n',
    });
    createRolledOutDeployment(live, { namespace: 'dev', name: 'envapp', replicas: 2, image: 'registry.example.com/envapp:1' });
    const env = { KUBECONFIG: `${join(tmp.dir, 'missing.kubeconfig')}:${liveConfig}` };
    const now = await runCli(['rollout-status', '--env', 'dev'], project, env);
    assert.equal(now.code, 3, now.err);
    assert.equal(now.out.trim(), 'Waiting for 2 to reach the cluster (it runs 1)');
    const watching = runCli(['rollout-status', '--env', 'dev', '--watch', '--timeout', '60s'], project, env);
    await new Promise((r) => setTimeout(r, 300));
    live.store.patch('deployments', 'dev', 'envapp', 'strategic', { spec: { template: { spec: { containers: [{ name: 'envapp', image: 'registry.example.com/envapp:2' }] } } } });
    const done = await watching;
    assert.equal(done.code, 0, done.err);
    const lines = done.out.trim().split('\n');
    assert.equal(lines[0], 'Waiting for 2 to reach the cluster (it runs 1)');
    assert.ok(lines.includes('Waiting for deployment "envapp" rollout to finish: 0 out of 2 new replicas have been updated...'), 'kubectl\'s progress lines follow');
    assert.equal(lines.pop(), 'deployment "envapp" successfully rolled out');
    const unmapped = await runCli(['rollout-status', '--env', 'staging'], project, env);
    assert.equal(unmapped.code, 2);
    assert.match(unmapped.err, /^error: staging does not say where it runs\nhint: Add cluster/);
  });

  test('--object: kubectl\'s verdict for one object as JSON; bad input exits 2', async () => {
    const s = steps.find((x) => x.resource === 'statefulsets' && rolloutStatus(x.obj).state === 'progressing')!;
    const file = join(tmp.dir, 'object.json');
    writeFileSync(file, JSON.stringify(s.obj));
    const r = await runCli(['rollout-status', '--object', file], tmp.dir);
    assert.equal(r.code, 3);
    assert.deepEqual(JSON.parse(r.out), { state: 'progressing', message: rolloutStatus(s.obj).message });
    writeFileSync(file, '{ not json');
    assert.equal((await runCli(['rollout-status', '--object', file], tmp.dir)).code, 2);
    assert.equal((await runCli(['rollout-status', '--deployment', 'a', '--object', file], tmp.dir)).code, 2);
    assert.equal((await runCli(['rollout-status', '--deployment', 'a', '--watch', '--timeout', 'soon'], tmp.dir)).code, 2);
    assert.equal((await runCli(['rollout-status'], tmp.dir)).code, 2);
    writeFileSync(file, JSON.stringify(deploymentManifest({ name: 'fresh' })));
    assert.deepEqual(JSON.parse((await runCli(['rollout-status', '--object', file], tmp.dir)).out), {
      state: 'progressing',
      message: 'Waiting for deployment "fresh" rollout to finish: 0 out of 3 new replicas have been updated...',
    });
  });
});
