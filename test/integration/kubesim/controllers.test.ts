/**
 * The simulated controllers behave like the real ones where clients can see it: rolling update
 * bounds, ReplicaSet bookkeeping, conditions and events, the scripted pod failure modes, ordered
 * StatefulSets, DaemonSets, and determinism.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BEHAVIOR_ANNOTATION,
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

function eventsFor(sim: KubeSim, namespace: string, name: string): KubeObject[] {
  return sim.store.select('events', { namespace }).filter((e) => e.involvedObject?.name === name);
}

function container(pod: KubeObject): Record<string, any> {
  return pod.status?.containerStatuses?.[0] ?? {};
}

function setImage(sim: KubeSim, resource: string, namespace: string, name: string, image: string, containerName = name): void {
  sim.store.patch(resource, namespace, name, 'strategic', { spec: { template: { spec: { containers: [{ name: containerName, image }] } } } });
}

describe('Deployment controller', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
  });
  after(async () => {
    await sim.close();
  });

  test('a rolling update never exceeds maxSurge nor drops below maxUnavailable, and ends on one ReplicaSet', async () => {
    createRolledOutDeployment(sim, { namespace: 'roll', name: 'web', replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } });
    const violations: string[] = [];
    let maxTotal = 0;
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource !== 'replicasets' || ev.object.metadata.namespace !== 'roll') return;
      const all = sim.store.select('replicasets', { namespace: 'roll' });
      const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      maxTotal = Math.max(maxTotal, total);
      if (total > 5) violations.push(`${total} pods wanted (max 4 + 1 surge)`);
      if (available < 3) violations.push(`${available} available (min 4 - 1)`);
    });
    setImage(sim, 'deployments', 'roll', 'web', 'registry.example.com/web:2');
    const d = await sim.waitFor(() => {
      const x = sim.store.get('deployments', 'roll', 'web');
      return x.metadata.generation === 2 && x.status?.observedGeneration === 2 && x.status?.updatedReplicas === 4 && x.status?.availableReplicas === 4 && x.status?.replicas === 4 ? x : undefined;
    }, { description: 'the rollout done' });
    stop();
    assert.deepEqual(violations, []);
    assert.equal(maxTotal, 5, 'the surge was used');
    const rs = sim.store.select('replicasets', { namespace: 'roll' }).sort((a, b) => Number(a.metadata.annotations!['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations!['deployment.kubernetes.io/revision']));
    assert.deepEqual(rs.map((r) => [r.spec.replicas, r.metadata.annotations!['deployment.kubernetes.io/revision']]), [[0, '1'], [4, '2']]);
    const newRs = rs[1]!;
    const hash = newRs.metadata.labels!['pod-template-hash']!;
    assert.equal(newRs.metadata.name, `web-${hash}`);
    assert.deepEqual(newRs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(newRs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual([newRs.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], newRs.metadata.annotations!['deployment.kubernetes.io/max-replicas']], ['4', '5']);
    assert.equal(d.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
    assert.deepEqual(d.status.conditions.map((c: { type: string; status: string; reason: string; message: string }) => [c.type, c.status, c.reason, c.message]), [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${newRs.metadata.name}" has successfully progressed.`],
    ]);
    const pods = sim.store.select('pods', { namespace: 'roll' }).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.metadata.labels!['pod-template-hash'] === hash && p.metadata.ownerReferences![0]!.uid === newRs.metadata.uid));
    const scaling = eventsFor(sim, 'roll', 'web').filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    assert.equal(scaling[0], `Scaled up replica set ${newRs.metadata.name} from 0 to 1`);
    assert.ok(scaling.includes(`Scaled down replica set ${rs[0]!.metadata.name} from 4 to 3`), scaling.join('\n'));
    const created = eventsFor(sim, 'roll', newRs.metadata.name!).filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 4);
    assert.deepEqual(created[0]!.source, { component: 'replicaset-controller' });
  });

  test('Progressing conditions move NewReplicaSetCreated -> ReplicaSetUpdated -> NewReplicaSetAvailable', async () => {
    const reasons: string[] = [];
    // the spec change is stored at once; the controller reacts on a later tick
    setImage(sim, 'deployments', 'roll', 'web', 'registry.example.com/web:3');
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource !== 'deployments' || ev.object.metadata.name !== 'web' || ev.object.metadata.namespace !== 'roll') return;
      const r = (ev.object.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing')?.reason;
      if (r && reasons[reasons.length - 1] !== r) reasons.push(r);
    });
    await sim.waitFor(() => reasons[reasons.length - 1] === 'NewReplicaSetAvailable' && reasons.length > 1, { description: 'the rollout complete' });
    stop();
    assert.deepEqual(reasons, ['NewReplicaSetCreated', 'ReplicaSetUpdated', 'NewReplicaSetAvailable']);
  });

  test('Recreate scales the old ReplicaSet down and waits for its pods to be gone before the new one scales up', async () => {
    createRolledOutDeployment(sim, { namespace: 'recreate', name: 'db', replicas: 2, strategy: { type: 'Recreate' } });
    let overlap = false;
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource !== 'pods' || ev.object.metadata.namespace !== 'recreate') return;
      const images = new Set(sim.store.select('pods', { namespace: 'recreate' }).map((p) => p.spec.containers[0].image));
      if (images.size > 1) overlap = true;
    });
    setImage(sim, 'deployments', 'recreate', 'db', 'registry.example.com/db:2');
    await waitForRollout(sim, 'deployments', 'recreate', 'db');
    stop();
    assert.equal(overlap, false, 'old and new pods never ran together');
  });

  test('the progress deadline marks a stuck rollout; a fixed image rolls it out again', async () => {
    createRolledOutDeployment(sim, { namespace: 'deadline', name: 'api', replicas: 2, progressDeadlineSeconds: 20 });
    const remove = sim.controllers.addBehavior({ image: 'registry.example.com/api:bad', behavior: 'image-pull-error' });
    setImage(sim, 'deployments', 'deadline', 'api', 'registry.example.com/api:bad');
    const stuck = await sim.waitFor(() => {
      const d = sim.store.get('deployments', 'deadline', 'api');
      return (d.status?.conditions ?? []).find((c: { reason: string }) => c.reason === 'ProgressDeadlineExceeded') ? d : undefined;
    }, { description: 'ProgressDeadlineExceeded' });
    const cond = stuck.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    const newRs = sim.store.select('replicasets', { namespace: 'deadline' }).find((rs) => rs.spec.template.spec.containers[0].image.endsWith(':bad'))!;
    assert.deepEqual([cond.status, cond.message], ['False', `ReplicaSet "${newRs.metadata.name}" has timed out progressing.`]);
    assert.equal(stuck.status.availableReplicas, 2, 'old pods still serve');
    remove();
    setImage(sim, 'deployments', 'deadline', 'api', 'registry.example.com/api:good');
    const done = await waitForRollout(sim, 'deployments', 'deadline', 'api');
    assert.equal(done.status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason, 'NewReplicaSetAvailable');
  });

  test('kubectl-style scaling resizes the active ReplicaSet (scale subresource) and records the event', async () => {
    sim.store.patch('deployments', 'roll', 'web', 'merge', { spec: { replicas: 6 } }, { subresource: 'scale' });
    await sim.waitFor(() => sim.store.get('deployments', 'roll', 'web').status?.availableReplicas === 6, { description: '6 available' });
    const active = sim.store.select('replicasets', { namespace: 'roll' }).filter((rs) => rs.spec.replicas > 0);
    assert.equal(active.length, 1);
    assert.ok(eventsFor(sim, 'roll', 'web').some((e) => e.message === `Scaled up replica set ${active[0]!.metadata.name} from 4 to 6`));
  });

  test('old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
    createRolledOutDeployment(sim, { namespace: 'history', name: 'h', replicas: 1 });
    sim.store.patch('deployments', 'history', 'h', 'merge', { spec: { revisionHistoryLimit: 1 } });
    for (const v of ['2', '3', '4']) {
      setImage(sim, 'deployments', 'history', 'h', `registry.example.com/h:${v}`);
      await sim.waitFor(() => {
        const d = sim.store.get('deployments', 'history', 'h');
        return d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === 1 && d.status?.replicas === 1 && d.status?.availableReplicas === 1;
      }, { description: `revision with h:${v} rolled out` });
    }
    await sim.waitFor(() => sim.store.select('replicasets', { namespace: 'history' }).length === 2, { description: 'history trimmed to 1 old ReplicaSet' });
    const images = sim.store.select('replicasets', { namespace: 'history' }).map((rs) => [rs.spec.template.spec.containers[0].image, rs.spec.replicas]).sort();
    assert.deepEqual(images, [['registry.example.com/h:3', 0], ['registry.example.com/h:4', 1]]);
  });
});

describe('pod failure modes', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
    ensureNamespace(sim, 'fail');
  });
  after(async () => {
    await sim.close();
  });

  const onlyPod = (app: string) => sim.store.select('pods', { namespace: 'fail' }).find((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);

  test('an image the registry does not have: ErrImagePull, then ImagePullBackOff with repeating events; pulled once it exists', async () => {
    const published = new Set<string>();
    sim.controllers.setImageExists(async (image) => {
      await new Promise((r) => setImmediate(r));
      return !image.startsWith('registry.example.com/late:') || published.has(image);
    });
    sim.store.create('deployments', deploymentManifest({ namespace: 'fail', name: 'late', replicas: 1, image: 'registry.example.com/late:1.0.0' }));
    const pulling = await sim.waitFor(() => {
      const p = onlyPod('late');
      return container(p ?? ({} as KubeObject)).state?.waiting?.reason === 'ErrImagePull' ? p : undefined;
    }, { description: 'ErrImagePull' });
    assert.equal(container(pulling).state.waiting.message, 'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/late:1.0.0": failed to resolve reference "registry.example.com/late:1.0.0": registry.example.com/late:1.0.0: not found');
    assert.equal(pulling.status.phase, 'Pending');
    const backoff = await sim.waitFor(() => {
      const p = onlyPod('late');
      return container(p ?? ({} as KubeObject)).state?.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
    }, { description: 'ImagePullBackOff' });
    assert.equal(container(backoff).state.waiting.message, 'Back-off pulling image "registry.example.com/late:1.0.0"');
    const name = backoff.metadata.name!;
    await sim.waitFor(() => (eventsFor(sim, 'fail', name).find((e) => e.reason === 'BackOff')?.count ?? 0) >= 2, { description: 'the back-off event repeated' });
    const events = eventsFor(sim, 'fail', name);
    const backOffEvent = events.find((e) => e.reason === 'BackOff')!;
    assert.deepEqual([backOffEvent.type, backOffEvent.message, backOffEvent.involvedObject.fieldPath, backOffEvent.source], ['Normal', 'Back-off pulling image "registry.example.com/late:1.0.0"', 'spec.containers{late}', { component: 'kubelet', host: backoff.spec.nodeName }]);
    assert.ok(events.some((e) => e.reason === 'Failed' && e.type === 'Warning' && e.message === 'Error: ImagePullBackOff'));
    assert.ok(Date.parse(backOffEvent.lastTimestamp) >= Date.parse(backOffEvent.firstTimestamp));
    published.add('registry.example.com/late:1.0.0');
    const running = await sim.waitFor(() => {
      const p = sim.store.tryGet('pods', 'fail', name);
      return container(p ?? ({} as KubeObject)).ready ? p : undefined;
    }, { description: 'the pod running once the image exists' });
    assert.equal(running!.status.phase, 'Running');
    assert.ok(eventsFor(sim, 'fail', name).some((e) => e.reason === 'Pulled' && /^Successfully pulled image "registry\.example\.com\/late:1\.0\.0" in [\d.]+s/.test(e.message)));
  });

  test('crashloop: restarts counted, CrashLoopBackOff with the last termination, BackOff warnings', async () => {
    sim.controllers.addBehavior({ image: 'registry.example.com/crash:*', behavior: 'crashloop' });
    sim.store.create('deployments', deploymentManifest({ namespace: 'fail', name: 'crash', replicas: 1, image: 'registry.example.com/crash:1' }));
    const pod = await sim.waitFor(() => {
      const p = onlyPod('crash');
      const c = container(p ?? ({} as KubeObject));
      return c.restartCount >= 2 && c.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    }, { description: 'two restarts and CrashLoopBackOff' });
    const c = container(pod);
    assert.match(c.state.waiting.message, new RegExp(`^back-off \\d+s restarting failed container=crash pod=${pod.metadata.name}_fail\\(${pod.metadata.uid}\\)$`));
    assert.deepEqual([c.lastState.terminated.exitCode, c.lastState.terminated.reason], [1, 'Error']);
    assert.equal(c.ready, false);
    assert.equal(pod.status.phase, 'Running');
    const warning = eventsFor(sim, 'fail', pod.metadata.name!).find((e) => e.reason === 'BackOff')!;
    assert.deepEqual([warning.type, warning.message], ['Warning', `Back-off restarting failed container crash in pod ${pod.metadata.name}_fail(${pod.metadata.uid})`]);
    assert.equal(sim.store.get('deployments', 'fail', 'crash').status?.availableReplicas, undefined);
  });

  test('OOMKilled: exit code 137, reason OOMKilled', async () => {
    sim.store.create('deployments', deploymentManifest({ namespace: 'fail', name: 'oom', replicas: 1, behavior: 'oomkilled' }));
    const pod = await sim.waitFor(() => {
      const p = onlyPod('oom');
      return container(p ?? ({} as KubeObject)).lastState?.terminated ? p : undefined;
    }, { description: 'an OOM kill' });
    assert.deepEqual([container(pod).lastState.terminated.exitCode, container(pod).lastState.terminated.reason], [137, 'OOMKilled']);
    assert.equal(pod.metadata.annotations?.[BEHAVIOR_ANNOTATION], 'oomkilled', 'selected by the pod template annotation');
  });

  test('never-ready: running, not ready, Unhealthy readiness warnings', async () => {
    sim.store.create('deployments', deploymentManifest({ namespace: 'fail', name: 'slow', replicas: 1, behavior: 'never-ready' }));
    const pod = await sim.waitFor(() => {
      const p = onlyPod('slow');
      return p && eventsFor(sim, 'fail', p.metadata.name!).some((e) => e.reason === 'Unhealthy') ? sim.store.tryGet('pods', 'fail', p.metadata.name!) : undefined;
    }, { description: 'a failed readiness probe' });
    assert.deepEqual([pod!.status.phase, container(pod!).ready, 'running' in container(pod!).state], ['Running', false, true]);
    const ready = pod!.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [slow]']);
    const unhealthy = eventsFor(sim, 'fail', pod!.metadata.name!).find((e) => e.reason === 'Unhealthy')!;
    assert.deepEqual([unhealthy.type, unhealthy.message], ['Warning', 'Readiness probe failed: HTTP probe failed with statuscode: 503']);
  });

  test('unschedulable: PodScheduled False with the scheduler\'s message; scheduled once the rule is lifted', async () => {
    const remove = sim.controllers.addBehavior({ image: /big-job/, behavior: 'unschedulable' });
    sim.store.create('deployments', deploymentManifest({ namespace: 'fail', name: 'big', replicas: 1, image: 'registry.example.com/big-job:1' }));
    const pod = await sim.waitFor(() => {
      const p = onlyPod('big');
      return (p?.status?.conditions ?? []).some((c: { reason?: string }) => c.reason === 'Unschedulable') ? p : undefined;
    }, { description: 'Unschedulable' });
    const cond = pod.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    assert.deepEqual([cond.status, cond.message], ['False', '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.']);
    assert.equal(pod.spec.nodeName, undefined);
    const failed = eventsFor(sim, 'fail', pod.metadata.name!).find((e) => e.reason === 'FailedScheduling')!;
    assert.deepEqual([failed.type, failed.source], ['Warning', { component: 'default-scheduler' }]);
    remove();
    await waitForRollout(sim, 'deployments', 'fail', 'big');
    assert.ok(sim.store.get('pods', 'fail', pod.metadata.name!).spec.nodeName);
  });
});

describe('StatefulSet and DaemonSet controllers', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
    ensureNamespace(sim, 'data');
  });
  after(async () => {
    await sim.close();
  });

  test('OrderedReady: each pod is Running and Ready before the next ordinal is created', async () => {
    const order: string[] = [];
    const violations: string[] = [];
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource !== 'pods' || ev.type !== 'ADDED' || ev.object.metadata.namespace !== 'data') return;
      order.push(ev.object.metadata.name!);
      const ord = Number(ev.object.metadata.name!.split('-').pop());
      for (let i = 0; i < ord; i++) {
        const prev = sim.store.tryGet('pods', 'data', `db-${i}`);
        if (!(prev?.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) violations.push(`db-${ord} created before db-${i} was ready`);
      }
    });
    sim.store.create('statefulsets', statefulSetManifest({ namespace: 'data', name: 'db', replicas: 3 }));
    await waitForRollout(sim, 'statefulsets', 'data', 'db');
    stop();
    assert.deepEqual(order, ['db-0', 'db-1', 'db-2']);
    assert.deepEqual(violations, []);
    const pod = sim.store.get('pods', 'data', 'db-1');
    const sts = sim.store.get('statefulsets', 'data', 'db');
    assert.deepEqual([pod.metadata.labels!['statefulset.kubernetes.io/pod-name'], pod.metadata.labels!['controller-revision-hash'], pod.spec.hostname, pod.spec.subdomain], ['db-1', sts.status.updateRevision, 'db-1', 'db']);
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
  });

  test('rolling update goes from the highest ordinal down and stops at the partition', async () => {
    sim.store.patch('statefulsets', 'data', 'db', 'merge', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } } });
    const deleted: string[] = [];
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource === 'pods' && ev.type === 'DELETED' && ev.object.metadata.namespace === 'data') deleted.push(ev.object.metadata.name!);
    });
    setImage(sim, 'statefulsets', 'data', 'db', 'registry.example.com/db:2');
    const sts = await waitForRollout(sim, 'statefulsets', 'data', 'db');
    stop();
    assert.deepEqual(deleted, ['db-2', 'db-1']);
    assert.equal(sim.store.get('pods', 'data', 'db-0').spec.containers[0].image, 'registry.example.com/db:1.0.0');
    assert.deepEqual([sts.status.updatedReplicas, sts.status.currentReplicas], [2, 1]);
    assert.notEqual(sts.status.currentRevision, sts.status.updateRevision);
    assert.ok(eventsFor(sim, 'data', 'db').some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod db-2 in StatefulSet db successful'));
  });

  test('DaemonSet: one pod per node, rolling update one node at a time, nodeSelector', async () => {
    sim.store.create('daemonsets', daemonSetManifest({ namespace: 'data', name: 'agent' }));
    await waitForRollout(sim, 'daemonsets', 'data', 'agent');
    const nodes = () => sim.store.select('pods', { namespace: 'data' }).filter((p) => p.metadata.labels?.app === 'agent').map((p) => p.spec.nodeName).sort();
    assert.deepEqual(nodes(), ['kubesim-worker-1', 'kubesim-worker-2', 'kubesim-worker-3']);
    let maxUnavailable = 0;
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource !== 'daemonsets') return;
      maxUnavailable = Math.max(maxUnavailable, (ev.object.status?.desiredNumberScheduled ?? 0) - (ev.object.status?.numberAvailable ?? 0));
    });
    setImage(sim, 'daemonsets', 'data', 'agent', 'registry.example.com/agent:2');
    const ds = await sim.waitFor(() => {
      const d = sim.store.get('daemonsets', 'data', 'agent');
      return d.status?.observedGeneration === 2 && d.status?.updatedNumberScheduled === 3 && d.status?.numberAvailable === 3 ? d : undefined;
    }, { description: 'the daemon set updated' });
    stop();
    assert.equal(maxUnavailable, 1);
    assert.deepEqual([ds.status.desiredNumberScheduled, ds.status.currentNumberScheduled, ds.status.numberReady, ds.status.numberMisscheduled], [3, 3, 3, 0]);
    sim.store.patch('nodes', undefined, 'kubesim-worker-2', 'merge', { metadata: { labels: { pool: 'edge' } } });
    sim.store.patch('daemonsets', 'data', 'agent', 'strategic', { spec: { template: { spec: { nodeSelector: { pool: 'edge' } } } } });
    await sim.waitFor(() => {
      const d = sim.store.get('daemonsets', 'data', 'agent');
      return d.status?.desiredNumberScheduled === 1 && nodes().length === 1 && d.status?.numberAvailable === 1;
    }, { description: 'the daemon set on the edge node only' });
    assert.deepEqual(nodes(), ['kubesim-worker-2']);
  });
});

describe('simulator controls', () => {
  test('the same seed gives the same names; pause holds every controller step until resume', async () => {
    const names: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const sim = await startKubeSim({ seed: 42 });
      try {
        ensureNamespace(sim, 'dev');
        sim.store.create('deployments', deploymentManifest({ namespace: 'dev', name: 'web', replicas: 2 }));
        await waitForRollout(sim, 'deployments', 'dev', 'web');
        names.push(sim.store.select('pods', { namespace: 'dev' }).map((p) => `${p.metadata.name} ${p.metadata.uid}`));
        if (i === 1) {
          sim.controllers.pause();
          setImage(sim, 'deployments', 'dev', 'web', 'registry.example.com/web:2');
          const rv = sim.store.resourceVersion;
          await new Promise((r) => setTimeout(r, 150));
          assert.equal(sim.store.resourceVersion, rv, 'nothing moved while paused');
          sim.controllers.resume();
          await sim.waitFor(() => sim.store.get('deployments', 'dev', 'web').status?.observedGeneration === 2, { description: 'the controller catching up' });
        }
      } finally {
        await sim.close();
      }
    }
    assert.deepEqual(names[0], names[1]);
  });
});
