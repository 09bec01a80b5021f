/**
 * The product's own Kubernetes client (@kubernetes/client-node) against the simulator: the calls the
 * extension makes (list, watch from a resourceVersion, patches, custom objects) and the errors it must
 * turn into messages (404, 401, 403, 410 on a watch).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApplication, createRolledOutDeployment, rolloutManifest, startKubeSim, waitForRollout, type KubeSim } from '../../support/kubesim';

type ClientNode = typeof import('@kubernetes/client-node');

async function loadClient(): Promise<ClientNode> {
  return import('@kubernetes/client-node');
}

describe('@kubernetes/client-node against kubesim (http)', () => {
  let sim: KubeSim;
  let k8s: ClientNode;
  let kc: InstanceType<ClientNode['KubeConfig']>;
  before(async () => {
    k8s = await loadClient();
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 2, image: 'registry.example.com/web:1' });
    kc = new k8s.KubeConfig();
    kc.loadFromString(sim.kubeconfig());
  });
  after(async () => {
    await sim.close();
  });

  test('typed lists and reads', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await apps.listNamespacedDeployment({ namespace: 'dev' });
    assert.deepEqual(list.items.map((d) => [d.metadata?.name, d.status?.readyReplicas]), [['web', 2]]);
    assert.equal(list.metadata?.resourceVersion, sim.store.resourceVersion);
    const pods = await core.listNamespacedPod({ namespace: 'dev', labelSelector: 'app=web' });
    assert.equal(pods.items.length, 2);
    assert.ok(pods.items.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === true));
    const rs = await apps.listNamespacedReplicaSet({ namespace: 'dev' });
    assert.equal(rs.items[0]?.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
  });

  test('Watch from a list resourceVersion sees the rollout; a compacted resourceVersion arrives as a 410 ERROR', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const list = await apps.listNamespacedDeployment({ namespace: 'dev' });
    const watch = new k8s.Watch(kc);
    const seen: Array<{ type: string; updated?: number; generation?: number }> = [];
    const req = await watch.watch(
      '/apis/apps/v1/namespaces/dev/deployments',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: { metadata?: { generation?: number }; status?: { updatedReplicas?: number } }) => seen.push({ type, updated: obj.status?.updatedReplicas, generation: obj.metadata?.generation }),
      () => undefined,
    );
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'dev', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example.com/web:2' }] });
    await waitForRollout(sim, 'deployments', 'dev', 'web');
    await sim.waitFor(() => seen.some((e) => e.type === 'MODIFIED' && e.generation === 2 && e.updated === 2), { description: 'the finished rollout seen by the watch' });
    req.abort();
    assert.equal(seen[0]!.type, 'MODIFIED');
    assert.equal(seen[0]!.generation, 2, 'the first event is the spec change after the listed version');

    sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { later: 'yes' } } });
    sim.faults.compact();
    const errors: Array<{ type: string; code?: number; reason?: string }> = [];
    await new Promise<void>((resolve) => {
      void watch.watch(
        '/apis/apps/v1/namespaces/dev/deployments',
        { resourceVersion: list.metadata?.resourceVersion },
        (type: string, obj: { code?: number; reason?: string }) => errors.push({ type, code: obj.code, reason: obj.reason }),
        () => resolve(),
      );
    });
    assert.deepEqual(errors, [{ type: 'ERROR', code: 410, reason: 'Expired' }]);
  });

  test('merge patches through the header option; custom objects: Rollout abort on the status subresource, Application Sync', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const scaled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'dev', body: { spec: { replicas: 3 } } }, merge);
    assert.equal(scaled.spec?.replicas, 3);
    sim.store.create('rollouts', rolloutManifest({ namespace: 'dev', name: 'ro', replicas: 2 }));
    await waitForRollout(sim, 'rollouts', 'dev', 'ro');
    const ro = (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'dev', plural: 'rollouts', name: 'ro' })) as { status: { phase: string } };
    assert.equal(ro.status.phase, 'Healthy');
    const aborted = (await custom.patchNamespacedCustomObjectStatus({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'dev', plural: 'rollouts', name: 'ro', body: { status: { abort: true } } }, merge)) as { status: { abort: boolean } };
    assert.equal(aborted.status.abort, true);
    createApplication(sim, { name: 'web-dev', destinationNamespace: 'dev' });
    await custom.patchNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'web-dev', body: { operation: { sync: { revision: 'abc' } } } }, merge);
    await sim.waitFor(() => sim.store.get('applications', 'argocd', 'web-dev').status?.operationState?.phase === 'Succeeded', { description: 'the sync done' });
  });

  test('errors carry the HTTP code and the Status body', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await assert.rejects(apps.readNamespacedDeployment({ name: 'nope', namespace: 'dev' }), (e: { code?: number; body?: unknown }) => {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      return e.code === 404 && body.message === 'deployments.apps "nope" not found' && body.reason === 'NotFound';
    });
    const remove = sim.auth.forbid({ verb: 'list', resource: 'pods' });
    try {
      await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'dev' }), (e: { code?: number; body?: unknown }) => {
        const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
        return e.code === 403 && body.message === 'pods is forbidden: User "kubesim-admin" cannot list resource "pods" in API group "" in the namespace "dev"';
      });
    } finally {
      remove();
    }
  });
});

describe('@kubernetes/client-node against kubesim (TLS + bearer token)', () => {
  let sim: KubeSim;
  let k8s: ClientNode;
  before(async () => {
    k8s = await loadClient();
    sim = await startKubeSim({ tls: true, auth: { tokens: { 'tok-1': 'dev-user' } } });
  });
  after(async () => {
    await sim.close();
  });

  test('the kubeconfig trusts the simulator\'s certificate and carries the token; a wrong token is 401', async () => {
    const good = new k8s.KubeConfig();
    good.loadFromString(sim.kubeconfig());
    const ns = await good.makeApiClient(k8s.CoreV1Api).listNamespace();
    assert.ok(ns.items.some((n) => n.metadata?.name === 'default'));
    const bad = new k8s.KubeConfig();
    bad.loadFromString(sim.kubeconfig({ token: 'tok-2' }));
    await assert.rejects(bad.makeApiClient(k8s.CoreV1Api).listNamespace(), (e: { code?: number }) => e.code === 401);
  });
});
