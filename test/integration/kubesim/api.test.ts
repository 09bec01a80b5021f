/**
 * The API server semantics over plain HTTP: discovery, CRUD with the registry's rules
 * (defaulting, validation, optimistic concurrency, generation), subresources, patches, deletion
 * and garbage collection, representations (Table, PartialObjectMetadata) and authentication.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRolledOutDeployment, deploymentManifest, ensureNamespace, rolloutManifest, startKubeSim, type KubeObject, type KubeSim } from '../../support/kubesim';
import { request } from '../../support/kubesim/client';

const D = '/apis/apps/v1/namespaces/dev/deployments';
const MERGE = 'application/merge-patch+json';

describe('API: discovery', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ controllers: false });
  });
  after(async () => {
    await sim.close();
  });

  test('/version, /api, /apis and the resource lists', async () => {
    const version = await request(sim.url, 'GET', '/version');
    assert.deepEqual([version.body.major, version.body.minor, version.body.gitVersion], ['1', '32', 'v1.32.0-kubesim']);
    const api = await request(sim.url, 'GET', '/api');
    assert.deepEqual([api.body.kind, api.body.versions], ['APIVersions', ['v1']]);
    const apis = await request(sim.url, 'GET', '/apis');
    assert.deepEqual(apis.body.groups.map((g: { name: string; preferredVersion: { groupVersion: string } }) => [g.name, g.preferredVersion.groupVersion]), [
      ['apps', 'apps/v1'],
      ['argoproj.io', 'argoproj.io/v1alpha1'],
      ['source.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io/v1'],
      ['kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1'],
      ['helm.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io/v2'],
    ]);
    const core = await request(sim.url, 'GET', '/api/v1');
    const names = core.body.resources.map((r: { name: string }) => r.name);
    for (const n of ['namespaces', 'nodes', 'pods', 'pods/status', 'events']) assert.ok(names.includes(n), n);
    const apps = await request(sim.url, 'GET', '/apis/apps/v1');
    const scale = apps.body.resources.find((r: { name: string }) => r.name === 'deployments/scale');
    assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    const deploy = apps.body.resources.find((r: { name: string }) => r.name === 'deployments');
    assert.deepEqual([deploy.kind, deploy.shortNames, deploy.namespaced], ['Deployment', ['deploy'], true]);
    const argo = await request(sim.url, 'GET', '/apis/argoproj.io/v1alpha1');
    assert.deepEqual(argo.body.resources.filter((r: { name: string }) => !r.name.includes('/')).map((r: { name: string; shortNames: string[] }) => [r.name, r.shortNames]), [
      ['applications', ['app', 'apps']],
      ['rollouts', ['ro']],
      ['analysistemplates', undefined],
      ['analysisruns', ['ar']],
    ]);
    const missing = await request(sim.url, 'GET', '/apis/batch/v1');
    assert.deepEqual([missing.status, missing.body.reason], [404, 'NotFound']);
  });
});

describe('API: objects', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ controllers: false });
    ensureNamespace(sim, 'dev');
  });
  after(async () => {
    await sim.close();
  });

  test('create: defaults, uid, creationTimestamp, generation 1; 409 on a second create; 404 without the namespace', async () => {
    const created = await request(sim.url, 'POST', D, { body: deploymentManifest({ namespace: 'dev', name: 'web', replicas: 2 }) });
    assert.equal(created.status, 201);
    const d = created.body as KubeObject;
    assert.match(d.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(d.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(d.metadata.generation, 1);
    assert.deepEqual([d.spec.progressDeadlineSeconds, d.spec.revisionHistoryLimit, d.spec.strategy], [600, 10, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }]);
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(d.status, undefined, 'status is reset on create');
    const again = await request(sim.url, 'POST', D, { body: deploymentManifest({ namespace: 'dev', name: 'web' }) });
    assert.deepEqual([again.status, again.body.reason, again.body.message], [409, 'AlreadyExists', 'deployments.apps "web" already exists']);
    const noNs = await request(sim.url, 'POST', '/apis/apps/v1/namespaces/nowhere/deployments', { body: deploymentManifest({ namespace: 'nowhere', name: 'web' }) });
    assert.deepEqual([noNs.status, noNs.body.message], [404, 'namespaces "nowhere" not found']);
    const pod = await request(sim.url, 'POST', '/api/v1/namespaces/dev/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'job-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    assert.match(pod.body.metadata.name, /^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(pod.body.spec.containers[0].imagePullPolicy, 'Always', 'untagged images are pulled always');
  });

  test('validation errors are 422 with the field and the API server wording', async () => {
    const bad = deploymentManifest({ namespace: 'dev', name: 'Bad_Name', replicas: -1 });
    bad.spec.template.metadata.labels = { app: 'other' };
    const r = await request(sim.url, 'POST', D, { body: bad });
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
    assert.deepEqual(r.body.details.causes.map((c: { field: string }) => c.field), ['metadata.name', 'spec.replicas', 'spec.template.metadata.labels']);
    assert.match(r.body.message, /^Deployment\.apps "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.match(r.body.message, /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
  });

  test('get and 404; list kinds, items without kind for built-ins and with kind for custom resources', async () => {
    const missing = await request(sim.url, 'GET', `${D}/nope`);
    assert.deepEqual([missing.status, missing.body.message, missing.body.details], [404, 'deployments.apps "nope" not found', { name: 'nope', group: 'apps', kind: 'deployments' }]);
    const list = await request(sim.url, 'GET', D);
    assert.deepEqual([list.body.kind, list.body.apiVersion], ['DeploymentList', 'apps/v1']);
    assert.equal(list.body.items[0].kind, undefined);
    sim.store.create('rollouts', rolloutManifest({ namespace: 'dev', name: 'ro' }));
    const ro = await request(sim.url, 'GET', '/apis/argoproj.io/v1alpha1/namespaces/dev/rollouts');
    assert.deepEqual([ro.body.kind, ro.body.items[0].kind, ro.body.items[0].apiVersion], ['RolloutList', 'Rollout', 'argoproj.io/v1alpha1']);
  });

  test('update: stale resourceVersion is a 409 Conflict; no change means no new resourceVersion', async () => {
    const d = (await request(sim.url, 'GET', `${D}/web`)).body as KubeObject;
    const stale = structuredClone(d);
    d.metadata.labels = { ...d.metadata.labels, owner: 'team-a' };
    const ok = await request(sim.url, 'PUT', `${D}/web`, { body: d });
    assert.equal(ok.status, 200);
    assert.ok(Number(ok.body.metadata.resourceVersion) > Number(stale.metadata.resourceVersion));
    stale.metadata.labels = { other: 'x' };
    const conflict = await request(sim.url, 'PUT', `${D}/web`, { body: stale });
    assert.deepEqual([conflict.status, conflict.body.reason], [409, 'Conflict']);
    assert.equal(conflict.body.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    const same = await request(sim.url, 'PUT', `${D}/web`, { body: ok.body });
    assert.equal(same.body.metadata.resourceVersion, ok.body.metadata.resourceVersion);
    const wrongName = await request(sim.url, 'PUT', `${D}/web`, { body: { ...ok.body, metadata: { ...ok.body.metadata, name: 'other' } } });
    assert.deepEqual([wrongName.status, wrongName.body.message], [400, 'the name of the object (other) does not match the name on the URL (web)']);
  });

  test('generation: bumped by spec and (Deployments) annotation changes, not by labels or status', async () => {
    const gen = () => sim.store.get('deployments', 'dev', 'web').metadata.generation;
    const g0 = gen()!;
    sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { l: '1' } } });
    assert.equal(gen(), g0);
    sim.store.patch('deployments', 'dev', 'web', 'merge', { status: { replicas: 2, observedGeneration: g0 } }, { subresource: 'status' });
    assert.equal(gen(), g0);
    sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { annotations: { a: '1' } } });
    assert.equal(gen(), g0 + 1);
    sim.store.patch('deployments', 'dev', 'web', 'merge', { spec: { replicas: 4 } });
    assert.equal(gen(), g0 + 2);
    const rs = sim.store.create('replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'dev' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } });
    sim.store.patch('replicasets', 'dev', 'rs', 'merge', { metadata: { annotations: { a: '1' } } });
    assert.equal(sim.store.get('replicasets', 'dev', 'rs').metadata.generation, rs.metadata.generation, 'annotations do not bump ReplicaSets');
  });

  test('status subresource: status writes keep the spec, main writes keep the status', async () => {
    const before = sim.store.get('deployments', 'dev', 'web');
    const s = await request(sim.url, 'PATCH', `${D}/web/status`, { body: { spec: { replicas: 9 }, status: { readyReplicas: 1 } }, contentType: MERGE });
    assert.equal(s.status, 200);
    assert.deepEqual([s.body.spec.replicas, s.body.status.readyReplicas], [before.spec.replicas, 1]);
    const m = await request(sim.url, 'PATCH', `${D}/web`, { body: { status: { readyReplicas: 7 } }, contentType: MERGE });
    assert.equal(m.body.status.readyReplicas, 1);
    const noStatus = await request(sim.url, 'GET', '/apis/argoproj.io/v1alpha1/namespaces/dev/applications/x/status');
    assert.equal(noStatus.status, 404, 'applications have no status subresource');
  });

  test('scale subresource', async () => {
    const s = await request(sim.url, 'GET', `${D}/web/scale`);
    assert.deepEqual(s.body, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'dev', uid: sim.store.get('deployments', 'dev', 'web').metadata.uid, resourceVersion: sim.store.resourceVersion, creationTimestamp: sim.store.get('deployments', 'dev', 'web').metadata.creationTimestamp },
      spec: { replicas: 4 },
      status: { replicas: 2, selector: 'app=web' },
    });
    const patched = await request(sim.url, 'PATCH', `${D}/web/scale`, { body: { spec: { replicas: 6 } }, contentType: MERGE });
    assert.deepEqual([patched.body.kind, patched.body.spec.replicas], ['Scale', 6]);
    assert.equal(sim.store.get('deployments', 'dev', 'web').spec.replicas, 6);
    const invalid = await request(sim.url, 'PUT', `${D}/web/scale`, { body: { spec: { replicas: -2 } } });
    assert.equal(invalid.status, 422);
  });

  test('patch formats: strategic merge by merge key, $setElementOrder and $patch directives; JSON patch; 415 for strategic on custom resources', async () => {
    const d = sim.store.get('deployments', 'dev', 'web');
    d.spec.template.spec.containers.push({ name: 'sidecar', image: 'proxy:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] });
    sim.store.update('deployments', 'dev', 'web', d);
    const smp = await request(sim.url, 'PATCH', `${D}/web`, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: {
            spec: {
              $setElementOrder: undefined,
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
              containers: [
                { name: 'sidecar', image: 'proxy:2', env: [{ name: 'A', $patch: 'delete' }, { name: 'C', value: '3' }] },
                { name: 'web', resources: { limits: { memory: '128Mi' } } },
              ],
            },
          },
        },
      },
    });
    assert.equal(smp.status, 200, smp.text);
    const containers = smp.body.spec.template.spec.containers;
    assert.deepEqual(containers.map((c: { name: string; image: string }) => [c.name, c.image]), [
      ['sidecar', 'proxy:2'],
      ['web', 'registry.example.com/web:1.0.0'],
    ]);
    assert.deepEqual(containers[0].env, [{ name: 'B', value: '2' }, { name: 'C', value: '3' }]);
    assert.deepEqual(containers[1].resources, { limits: { memory: '128Mi' } });
    const replaced = await request(sim.url, 'PATCH', `${D}/web`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x:1' }] } } } },
    });
    assert.deepEqual(replaced.body.spec.template.spec.containers.map((c: { name: string; image: string }) => [c.name, c.image]), [['only', 'x:1']]);
    const jp = await request(sim.url, 'PATCH', `${D}/web`, {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'only' },
        { op: 'add', path: '/metadata/labels/tier', value: 'fe' },
        { op: 'copy', from: '/metadata/labels/tier', path: '/metadata/labels/copy' },
        { op: 'remove', path: '/metadata/labels/copy' },
      ],
    });
    assert.equal(jp.body.metadata.labels.tier, 'fe');
    assert.equal(jp.body.metadata.labels.copy, undefined);
    const ro = await request(sim.url, 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/dev/rollouts/ro', { contentType: 'application/strategic-merge-patch+json', body: { spec: { paused: true } } });
    assert.equal(ro.status, 415);
    assert.equal(ro.body.reason, 'UnsupportedMediaType');
    const unknown = await request(sim.url, 'PATCH', `${D}/web`, { contentType: 'text/plain', body: 'x' });
    assert.equal(unknown.status, 415);
  });

  test('server-side apply patches create missing objects; dryRun=All changes nothing', async () => {
    const applied = await request(sim.url, 'PATCH', `${D}/applied?fieldManager=test`, {
      contentType: 'application/apply-patch+yaml',
      body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: applied\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: applied}\n  template:\n    metadata:\n      labels: {app: applied}\n    spec:\n      containers:\n      - name: app\n        image: app:1\n',
    });
    assert.equal(applied.status, 201, applied.text);
    const rv = sim.store.resourceVersion;
    const dry = await request(sim.url, 'PATCH', `${D}/applied?dryRun=All`, { contentType: MERGE, body: { spec: { replicas: 5 } } });
    assert.equal(dry.body.spec.replicas, 5);
    assert.equal(sim.store.get('deployments', 'dev', 'applied').spec.replicas, 1);
    assert.equal(sim.store.resourceVersion, rv);
  });

  test('Table and PartialObjectMetadata representations', async () => {
    const table = await request(sim.url, 'GET', `${D}?includeObject=Object`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    assert.deepEqual([table.body.kind, table.body.apiVersion], ['Table', 'meta.k8s.io/v1']);
    assert.equal(table.body.rows[0].object.kind, 'Deployment');
    const partial = await request(sim.url, 'GET', D, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' } });
    assert.equal(partial.body.kind, 'PartialObjectMetadataList');
    assert.deepEqual(Object.keys(partial.body.items[0]).sort(), ['apiVersion', 'kind', 'metadata']);
    const proto = await request(sim.url, 'GET', D, { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    assert.equal(proto.status, 406);
  });
});

describe('API: deletion', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
  });
  after(async () => {
    await sim.close();
  });

  test('a pod on a node terminates gracefully: deletionTimestamp, Terminating, then gone', async () => {
    const { pods } = createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 1 });
    const name = pods[0]!.metadata.name!;
    const r = await request(sim.url, 'DELETE', `/api/v1/namespaces/dev/pods/${name}`);
    assert.equal(r.status, 200);
    assert.ok(r.body.metadata.deletionTimestamp);
    assert.equal(r.body.metadata.deletionGracePeriodSeconds, 30);
    await sim.waitFor(() => !sim.store.tryGet('pods', 'dev', name), { description: 'the pod gone' });
    await sim.waitFor(() => sim.store.select('pods', { namespace: 'dev' }).some((p) => p.status?.phase === 'Running'), { description: 'a replacement running' });
  });

  test('deleting a Deployment takes its ReplicaSets and pods (background); Orphan keeps them without the owner', async () => {
    const dependents = () => [sim.store.select('replicasets', { namespace: 'dev' }).length, sim.store.select('pods', { namespace: 'dev' }).length];
    await request(sim.url, 'DELETE', '/apis/apps/v1/namespaces/dev/deployments/web');
    await sim.waitFor(() => dependents().every((n) => n === 0), { description: 'ReplicaSets and pods collected' });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'kept', replicas: 2 });
    await request(sim.url, 'DELETE', '/apis/apps/v1/namespaces/dev/deployments/kept', { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } });
    const rs = sim.store.select('replicasets', { namespace: 'dev' });
    assert.equal(rs.length, 1);
    assert.equal(rs[0]!.metadata.ownerReferences, undefined);
    assert.equal(sim.store.select('pods', { namespace: 'dev' }).length, 2);
  });

  test('preconditions, and deleting a namespace deletes what is in it', async () => {
    const rs = sim.store.select('replicasets', { namespace: 'dev' })[0]!;
    const pre = await request(sim.url, 'DELETE', `/apis/apps/v1/namespaces/dev/replicasets/${rs.metadata.name}`, { body: { preconditions: { uid: 'not-it' } } });
    assert.equal(pre.status, 409);
    assert.match(pre.body.message, /Precondition failed: UID in precondition: not-it, UID in object meta: /);
    const ns = await request(sim.url, 'DELETE', '/api/v1/namespaces/dev');
    assert.equal(ns.body.status.phase, 'Terminating');
    await sim.waitFor(() => !sim.store.tryGet('namespaces', undefined, 'dev'), { description: 'the namespace gone' });
    assert.equal(sim.store.select('pods', { namespace: 'dev' }).length, 0);
    assert.equal(sim.store.select('replicasets', { namespace: 'dev' }).length, 0);
  });
});

describe('API: authentication and authorization', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ controllers: false, auth: { tokens: { 't-admin': 'admin', 't-viewer': 'viewer' } } });
    ensureNamespace(sim, 'dev');
  });
  after(async () => {
    await sim.close();
  });

  test('a missing or wrong bearer token is 401; a known one works', async () => {
    for (const token of [undefined, 'wrong']) {
      const r = await request(sim.url, 'GET', '/api/v1/namespaces', { token });
      assert.deepEqual([r.status, r.body.kind, r.body.reason, r.body.message], [401, 'Status', 'Unauthorized', 'Unauthorized']);
    }
    assert.equal((await request(sim.url, 'GET', '/api/v1/namespaces', { token: 't-admin' })).status, 200);
  });

  test('forbid rules: per user, verb, resource, namespace and name, worded like RBAC denials', async () => {
    const remove = sim.auth.forbid({ user: 'viewer', verb: ['create', 'patch', 'update', 'delete'] });
    sim.auth.forbid({ verb: 'get', resource: 'nodes' });
    try {
      const create = await request(sim.url, 'POST', D, { token: 't-viewer', body: deploymentManifest({ namespace: 'dev', name: 'x' }) });
      assert.deepEqual([create.status, create.body.reason], [403, 'Forbidden']);
      assert.equal(create.body.message, 'deployments.apps is forbidden: User "viewer" cannot create resource "deployments" in API group "apps" in the namespace "dev"');
      assert.deepEqual(create.body.details, { group: 'apps', kind: 'deployments' });
      assert.equal((await request(sim.url, 'POST', D, { token: 't-admin', body: deploymentManifest({ namespace: 'dev', name: 'x' }) })).status, 201);
      const node = await request(sim.url, 'GET', '/api/v1/nodes/kubesim-worker-1', { token: 't-admin' });
      assert.equal(node.body.message, 'nodes "kubesim-worker-1" is forbidden: User "admin" cannot get resource "nodes" in API group "" at the cluster scope');
      remove();
      assert.equal((await request(sim.url, 'DELETE', `${D}/x`, { token: 't-viewer' })).status, 200);
    } finally {
      sim.auth.clearForbidden();
    }
  });
});
