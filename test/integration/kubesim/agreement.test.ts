/**
 * kubectl rollout status and rolloutStatus() agree on every observable step of simulated rollouts.
 *
 * Each scenario runs on a simulator with controllers and records every version of the workload.
 * The distinct versions (distinct in the fields kubectl reads) are then stored, renamed, in a second
 * simulator without controllers, where `kubectl rollout status --watch=false` prints its verdict for
 * each; it must equal rolloutStatus() on the same object: the message, and exit code 1 exactly when
 * the state is failed. For each distinct message form, `kubectl rollout status` in watch mode also
 * shows whether kubectl considers it done (exit 0 at once) or keeps waiting (timeout), which must
 * match 'done' vs 'progressing'.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rolloutStatus, type RolloutVerdict } from '../../../src/core/kube/rolloutStatus';
import {
  createRolledOutDeployment,
  daemonSetManifest,
  deploymentManifest,
  ensureNamespace,
  startKubeSim,
  statefulSetManifest,
  type KubeObject,
  type KubeSim,
} from '../../support/kubesim';
import { KUBECTL, Kubectl, kubectlInstalled, type KubectlResult } from '../../support/kubesim/kubectl';

type Resource = 'deployments' | 'statefulsets' | 'daemonsets';

const SHORT: Record<Resource, string> = { deployments: 'deploy', statefulsets: 'sts', daemonsets: 'ds' };

/** The fields kubectl's status viewer for the kind reads: versions equal here get the same verdict from both. */
function inputsOf(o: KubeObject): string {
  const s = o.status ?? {};
  switch (o.kind) {
    case 'Deployment':
      return JSON.stringify([o.kind, o.metadata.generation, o.spec.replicas, s.observedGeneration, s.replicas, s.updatedReplicas, s.availableReplicas, (s.conditions ?? []).find((c: { type?: string }) => c.type === 'Progressing')?.reason]);
    case 'StatefulSet':
      return JSON.stringify([o.kind, o.metadata.generation, o.spec.replicas, o.spec.updateStrategy, s.observedGeneration, s.readyReplicas, s.updatedReplicas, s.currentReplicas, s.currentRevision, s.updateRevision]);
    default:
      return JSON.stringify([o.kind, o.metadata.generation, o.spec.updateStrategy?.type, s.observedGeneration, s.desiredNumberScheduled, s.updatedNumberScheduled, s.numberAvailable]);
  }
}

/** Runs `action` and records the workload's versions until `until(latest)` holds. */
async function record(sim: KubeSim, resource: Resource, namespace: string, name: string, action: () => void, until: (o: KubeObject) => boolean): Promise<KubeObject[]> {
  const versions: KubeObject[] = [];
  const current = sim.store.tryGet(resource, namespace, name);
  if (current) versions.push(current);
  const stop = sim.onChange((ev) => {
    if (ev.rt.resource === resource && ev.object.metadata.namespace === namespace && ev.object.metadata.name === name && ev.type !== 'DELETED') versions.push(ev.object);
  });
  try {
    action();
    await sim.waitFor(() => versions.length > 0 && until(versions[versions.length - 1]!), { timeoutMs: 15_000, description: `${resource} ${namespace}/${name} to reach the end of the scenario` });
  } finally {
    stop();
  }
  return versions;
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** kubectl's message forms: the message with numbers and revision names generalized. */
function form(message: string): string {
  return message.replace(/"[^"]*"/g, '"X"').replace(/\d+/g, 'N').replace(/revision \S+\.\.\./, 'revision R...');
}

interface Step {
  resource: Resource;
  obj: KubeObject;
  verdict: RolloutVerdict;
}

describe('kubectl rollout status and rolloutStatus() agree at every step', () => {
  let live: KubeSim;
  let replay: KubeSim;
  let k: Kubectl;
  const steps: Step[] = [];
  const seen = new Set<string>();

  function collect(resource: Resource, versions: KubeObject[]): number {
    let added = 0;
    for (const v of versions) {
      const key = inputsOf(v);
      if (seen.has(key)) continue;
      seen.add(key);
      const obj = structuredClone(v);
      obj.metadata.name = `${SHORT[resource]}-${steps.length}`;
      obj.metadata.namespace = 'replay';
      delete obj.metadata.resourceVersion;
      delete obj.metadata.uid;
      steps.push({ resource, obj, verdict: rolloutStatus(obj) });
      added++;
    }
    return added;
  }

  before(async () => {
    assert.ok(kubectlInstalled(), `kubectl not found at ${KUBECTL}`);
    live = await startKubeSim();
    replay = await startKubeSim({ controllers: false });
    ensureNamespace(replay, 'replay');
    k = new Kubectl(replay);
    ensureNamespace(live, 'dev');
  });
  after(async () => {
    k.dispose();
    await live.close();
    await replay.close();
  });

  test('scenario: a Deployment created from nothing', async () => {
    const versions = await record(live, 'deployments', 'dev', 'fresh', () => live.store.create('deployments', deploymentManifest({ namespace: 'dev', name: 'fresh', replicas: 3 })), (o) => rolloutStatus(o).state === 'done');
    assert.ok(collect('deployments', versions) >= 3);
  });

  test('scenario: a rolling update with maxSurge 1, maxUnavailable 0', async () => {
    createRolledOutDeployment(live, { namespace: 'dev', name: 'surge', replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    const versions = await record(
      live,
      'deployments',
      'dev',
      'surge',
      () => live.store.patch('deployments', 'dev', 'surge', 'strategic', { spec: { template: { spec: { containers: [{ name: 'surge', image: 'registry.example.com/surge:2' }] } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    assert.ok(collect('deployments', versions) >= 4);
  });

  test('scenario: a Recreate update and a scale-up', async () => {
    createRolledOutDeployment(live, { namespace: 'dev', name: 'recreate', replicas: 2, strategy: { type: 'Recreate' } });
    const update = await record(
      live,
      'deployments',
      'dev',
      'recreate',
      () => live.store.patch('deployments', 'dev', 'recreate', 'merge', { spec: { template: { metadata: { annotations: { rev: '2' } } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    const scale = await record(
      live,
      'deployments',
      'dev',
      'recreate',
      () => live.store.patch('deployments', 'dev', 'recreate', 'merge', { spec: { replicas: 4 } }, { subresource: 'scale' }),
      (o) => (o.status?.availableReplicas ?? 0) === 4 && rolloutStatus(o).state === 'done',
    );
    assert.ok(collect('deployments', [...update, ...scale]) >= 3);
  });

  test('scenario: an update stuck on an unpullable image until the progress deadline', async () => {
    live.controllers.addBehavior({ image: 'registry.example.com/stuck:broken', behavior: 'image-pull-error' });
    createRolledOutDeployment(live, { namespace: 'dev', name: 'stuck', replicas: 3, progressDeadlineSeconds: 20 });
    const versions = await record(
      live,
      'deployments',
      'dev',
      'stuck',
      () => live.store.patch('deployments', 'dev', 'stuck', 'strategic', { spec: { template: { spec: { containers: [{ name: 'stuck', image: 'registry.example.com/stuck:broken' }] } } } }),
      (o) => rolloutStatus(o).state === 'failed',
    );
    assert.ok(collect('deployments', versions) >= 2);
    assert.ok(steps.some((s) => s.verdict.state === 'failed'));
  });

  test('scenario: StatefulSets, ordered creation, rolling and partitioned updates', async () => {
    const created = await record(live, 'statefulsets', 'dev', 'db', () => live.store.create('statefulsets', statefulSetManifest({ namespace: 'dev', name: 'db', replicas: 3 })), (o) => rolloutStatus(o).state === 'done');
    const updated = await record(
      live,
      'statefulsets',
      'dev',
      'db',
      () => live.store.patch('statefulsets', 'dev', 'db', 'strategic', { spec: { template: { spec: { containers: [{ name: 'db', image: 'registry.example.com/db:2' }] } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    const partitioned = await record(
      live,
      'statefulsets',
      'dev',
      'part',
      () => live.store.create('statefulsets', statefulSetManifest({ namespace: 'dev', name: 'part', replicas: 3, partition: 2 })),
      (o) => rolloutStatus(o).state === 'done',
    );
    const partUpdate = await record(
      live,
      'statefulsets',
      'dev',
      'part',
      () => live.store.patch('statefulsets', 'dev', 'part', 'strategic', { spec: { template: { spec: { containers: [{ name: 'part', image: 'registry.example.com/part:2' }] } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    // an explicit RollingUpdate without rollingUpdate block: kubectl compares revisions instead of the partition
    const plain = statefulSetManifest({ namespace: 'dev', name: 'plain', replicas: 2 });
    plain.spec.updateStrategy = { type: 'RollingUpdate' };
    const plainVersions = await record(live, 'statefulsets', 'dev', 'plain', () => live.store.create('statefulsets', plain), (o) => rolloutStatus(o).state === 'done');
    const plainUpdate = await record(
      live,
      'statefulsets',
      'dev',
      'plain',
      () => live.store.patch('statefulsets', 'dev', 'plain', 'strategic', { spec: { template: { spec: { containers: [{ name: 'plain', image: 'registry.example.com/plain:2' }] } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    assert.ok(collect('statefulsets', [...created, ...updated, ...partitioned, ...partUpdate, ...plainVersions, ...plainUpdate]) >= 6);
    const onDelete = live.store.create('statefulsets', statefulSetManifest({ namespace: 'dev', name: 'manual', replicas: 1, updateStrategy: 'OnDelete' }));
    collect('statefulsets', [onDelete]);
  });

  test('scenario: DaemonSets, creation and rolling update', async () => {
    const created = await record(live, 'daemonsets', 'dev', 'agent', () => live.store.create('daemonsets', daemonSetManifest({ namespace: 'dev', name: 'agent' })), (o) => rolloutStatus(o).state === 'done');
    const updated = await record(
      live,
      'daemonsets',
      'dev',
      'agent',
      () => live.store.patch('daemonsets', 'dev', 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'registry.example.com/agent:2' }] } } } }),
      (o) => o.metadata.generation === 2 && rolloutStatus(o).state === 'done',
    );
    assert.ok(collect('daemonsets', [...created, ...updated]) >= 3);
    const onDelete = live.store.create('daemonsets', daemonSetManifest({ namespace: 'dev', name: 'manual', updateStrategy: 'OnDelete' }));
    collect('daemonsets', [onDelete]);
  });

  test('kubectl --watch=false prints rolloutStatus().message for every recorded step (exit 1 exactly when failed)', async (t) => {
    for (const s of steps) replay.store.put(s.obj);
    const results = await pool(steps, 6, (s) => k.run(['rollout', 'status', `${SHORT[s.resource]}/${s.obj.metadata.name}`, '-n', 'replay', '--watch=false']));
    const mismatches: string[] = [];
    steps.forEach((s, i) => {
      const r = results[i]!;
      const kubectlSays = r.code === 0 ? r.stdout.replace(/\n$/, '') : r.stderr.replace(/^error: /, '').replace(/\n$/, '');
      const agrees = kubectlSays === s.verdict.message && (r.code === 1) === (s.verdict.state === 'failed') && (r.code === 0 || r.code === 1);
      if (!agrees) mismatches.push(`${s.obj.metadata.name}: kubectl exit ${r.code} "${kubectlSays}" vs rolloutStatus ${s.verdict.state} "${s.verdict.message}"`);
    });
    assert.deepEqual(mismatches, []);
    assert.ok(steps.length >= 20, `${steps.length} distinct steps`);
    t.diagnostic(`${steps.length} distinct steps compared`);
    const states = new Set(steps.map((s) => `${s.resource}:${s.verdict.state}`));
    for (const want of ['deployments:done', 'deployments:progressing', 'deployments:failed', 'statefulsets:done', 'statefulsets:progressing', 'statefulsets:failed', 'daemonsets:done', 'daemonsets:progressing', 'daemonsets:failed']) {
      assert.ok(states.has(want), `no ${want} step recorded`);
    }
  });

  test('kubectl in watch mode stops exactly on the steps rolloutStatus() calls done', async () => {
    const byForm = new Map<string, Step>();
    for (const s of steps) if (s.verdict.state !== 'failed') byForm.set(`${s.resource}:${form(s.verdict.message)}`, s);
    const sample = [...byForm.values()];
    assert.ok(sample.length >= 8, `${sample.length} message forms`);
    const results: KubectlResult[] = await pool(sample, 6, (s) => k.run(['rollout', 'status', `${SHORT[s.resource]}/${s.obj.metadata.name}`, '-n', 'replay', '--timeout=2500ms']));
    const mismatches: string[] = [];
    sample.forEach((s, i) => {
      const r = results[i]!;
      const kubectlDone = r.code === 0;
      if (!kubectlDone && !/timed out waiting for the condition/.test(r.stderr)) mismatches.push(`${s.obj.metadata.name}: unexpected failure ${r.stderr.trim()}`);
      if (kubectlDone !== (s.verdict.state === 'done')) mismatches.push(`${s.obj.metadata.name}: kubectl ${kubectlDone ? 'done' : 'waiting'} vs rolloutStatus ${s.verdict.state} (${s.verdict.message})`);
    });
    assert.deepEqual(mismatches, []);
  });
});
