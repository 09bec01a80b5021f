/**
 * The simulator proven with the real kubectl: what kubectl prints and how it exits against kubesim
 * is what it prints against a real cluster for the same state.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { rolloutStatus } from '../../../src/core/kube/rolloutStatus';
import {
  createApplication,
  createRolledOutDeployment,
  daemonSetManifest,
  deploymentManifest,
  ensureNamespace,
  rolloutManifest,
  startKubeSim,
  statefulSetManifest,
  waitForRollout,
  type KubeObject,
  type KubeSim,
} from '../../support/kubesim';
import { KUBECTL, Kubectl, kubectlInstalled, tableRows } from '../../support/kubesim/kubectl';

before(() => {
  assert.ok(kubectlInstalled(), `kubectl not found at ${KUBECTL}: these tests prove the simulator against the real kubectl (set KUBESIM_KUBECTL to its path)`);
});

/** A multi-document YAML file. (A `kind: List` file would need client-side validation with OpenAPI v2 schemas, which kubesim does not serve: use --validate=false for those.) */
function manifestFile(k: Kubectl, name: string, objects: KubeObject[]): string {
  const file = join(k.dir, name);
  writeFileSync(file, objects.map((o) => toYaml(o)).join('---\n'));
  return file;
}

describe('kubectl get', () => {
  let sim: KubeSim;
  let k: Kubectl;
  before(async () => {
    sim = await startKubeSim();
    k = new Kubectl(sim);
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 3, image: 'registry.example.com/web:1.0.0' });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'api', replicas: 2, labels: { app: 'api' } });
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'web', replicas: 1 });
  });
  after(async () => {
    k.dispose();
    await sim.close();
  });

  test('get deploy,rs,pods -n dev -l app=web prints the server-side tables', async () => {
    const out = await k.ok(['get', 'deploy,rs,pods', '-n', 'dev', '-l', 'app=web']);
    const rows = tableRows(out);
    const rs = sim.store.select('replicasets', { namespace: 'dev' }).find((r) => r.metadata.labels?.app === 'web')!;
    const pods = sim.store.select('pods', { namespace: 'dev' }).filter((p) => p.metadata.labels?.app === 'web');
    assert.equal(pods.length, 3);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(rows[1]!.slice(0, 4), ['deployment.apps/web', '3/3', '3', '3']);
    assert.deepEqual(rows[2], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(rows[3]!.slice(0, 4), [`replicaset.apps/${rs.metadata.name}`, '3', '3', '3']);
    assert.deepEqual(rows[4], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(
      rows.slice(5).map((r) => r.slice(0, 4)),
      pods.map((p) => [`pod/${p.metadata.name}`, '1/1', 'Running', '0']).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    assert.equal(rows.length, 8, 'the api deployment and the staging namespace are not listed');
  });

  test('-o wide adds the priority columns; --show-labels and -A work from the row metadata', async () => {
    const wide = tableRows(await k.ok(['get', 'pods', '-n', 'dev', '-l', 'app=api', '-o', 'wide']));
    assert.deepEqual(wide[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const pods = sim.store.select('pods', { namespace: 'dev' }).filter((p) => p.metadata.labels?.app === 'api');
    for (const row of wide.slice(1)) {
      const pod = pods.find((p) => p.metadata.name === row[0])!;
      assert.equal(row[5], pod.status.podIP);
      assert.equal(row[6], pod.spec.nodeName);
    }
    const all = tableRows(await k.ok(['get', 'deploy', '-A', '--show-labels']));
    assert.deepEqual(all[0], ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'LABELS']);
    assert.deepEqual(all.slice(1).map((r) => [r[0], r[1], r[2], r[6]]), [
      ['dev', 'api', '2/2', 'app=api'],
      ['dev', 'web', '3/3', 'app=web'],
      ['staging', 'web', '1/1', 'app=web'],
    ]);
  });

  test('get deploy web -o json returns the stored object', async () => {
    const obj = JSON.parse(await k.ok(['get', 'deploy', 'web', '-n', 'dev', '-o', 'json'])) as KubeObject;
    const stored = sim.store.get('deployments', 'dev', 'web');
    assert.deepEqual(obj, stored);
    assert.equal(obj.kind, 'Deployment');
    assert.equal(obj.apiVersion, 'apps/v1');
    assert.match(obj.metadata.resourceVersion!, /^\d+$/);
    assert.equal(obj.spec.strategy.rollingUpdate.maxSurge, '25%', 'defaults applied like the API server');
  });

  test('jsonpath and selectors over list items', async () => {
    const names = await k.ok(['get', 'pods', '-n', 'dev', '-l', 'app in (web,api),app!=api', '-o', 'jsonpath={.items[*].metadata.labels.app}']);
    assert.deepEqual(names.split(' '), ['web', 'web', 'web']);
    const node = sim.store.select('pods', { namespace: 'dev' })[0]!.spec.nodeName;
    const onNode = await k.ok(['get', 'pods', '-n', 'dev', '--field-selector', `spec.nodeName=${node}`, '-o', 'name']);
    assert.deepEqual(onNode.trim().split('\n').sort(), sim.store.select('pods', { namespace: 'dev' }).filter((p) => p.spec.nodeName === node).map((p) => `pod/${p.metadata.name}`).sort());
  });

  test('errors come back as kubectl prints them for a real API server', async () => {
    const missing = await k.run(['get', 'deploy', 'nope', '-n', 'dev']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
    const badSelector = await k.run(['get', 'pods', '-n', 'dev', '--field-selector', 'spec.bogus=1']);
    assert.equal(badSelector.code, 1);
    // kubectl wraps the server's 400 for list calls
    assert.equal(badSelector.stderr.trim(), 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.bogus=1": field label not supported: spec.bogus');
    const forbid = sim.auth.forbid({ verb: 'patch', resource: 'deployments', namespace: 'dev' });
    try {
      const denied = await k.run(['scale', 'deploy/web', '-n', 'dev', '--replicas=4']);
      assert.equal(denied.code, 1);
      assert.equal(denied.stderr.trim(), 'Error from server (Forbidden): deployments.apps "web" is forbidden: User "kubesim-admin" cannot patch resource "deployments/scale" in API group "apps" in the namespace "dev"');
    } finally {
      forbid();
    }
  });

  test('Argo CD applications and Argo Rollouts print their CRD columns', async () => {
    createApplication(sim, { name: 'web-dev', destinationNamespace: 'dev', sync: { status: 'OutOfSync' }, health: 'Progressing' });
    sim.store.create('rollouts', rolloutManifest({ name: 'canary', namespace: 'dev', replicas: 2 }));
    const apps = tableRows(await k.ok(['get', 'applications', '-n', 'argocd']));
    assert.deepEqual(apps, [
      ['NAME', 'SYNC STATUS', 'HEALTH STATUS'],
      ['web-dev', 'OutOfSync', 'Progressing'],
    ]);
    await waitForRollout(sim, 'rollouts', 'dev', 'canary');
    const ro = tableRows(await k.ok(['get', 'rollouts.argoproj.io', '-n', 'dev']));
    assert.deepEqual(ro[0], ['NAME', 'DESIRED', 'CURRENT', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(ro[1]!.slice(0, 5), ['canary', '2', '2', '2', '2']);
  });
});

describe('kubectl rollout status', () => {
  let sim: KubeSim;
  let k: Kubectl;
  before(async () => {
    sim = await startKubeSim();
    k = new Kubectl(sim);
  });
  after(async () => {
    k.dispose();
    await sim.close();
  });

  test('follows a rollout started with kubectl set image, line by line as rolloutStatus() reads each version', async () => {
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 3, image: 'registry.example.com/web:1.0.0' });
    sim.controllers.pause();
    await k.ok(['set', 'image', 'deploy/web', '-n', 'dev', 'web=registry.example.com/web:1.1.0']);
    // every version of the Deployment kubectl will see: the one it lists, then each change its watch delivers
    const versions: KubeObject[] = [sim.store.get('deployments', 'dev', 'web')];
    const stop = sim.onChange((ev) => {
      if (ev.rt.resource === 'deployments' && ev.object.metadata.name === 'web' && ev.type === 'MODIFIED') versions.push(ev.object);
    });
    const watch = k.spawn(['rollout', 'status', 'deploy/web', '-n', 'dev']);
    await watch.waitForLine(/spec update to be observed/);
    sim.controllers.resume();
    const r = await watch.done;
    stop();
    assert.equal(r.code, 0, r.stderr);
    const expected: string[] = [];
    for (const v of versions) {
      const verdict = rolloutStatus(v);
      expected.push(verdict.message);
      if (verdict.state === 'done') break;
    }
    assert.deepEqual(watch.lines.filter(Boolean), expected);
    assert.equal(expected[expected.length - 1], 'deployment "web" successfully rolled out');
    assert.ok(expected.some((l) => /new replicas have been updated/.test(l)), 'intermediate states were observed');
    const rs = sim.store.select('replicasets', { namespace: 'dev' });
    assert.deepEqual(rs.map((x) => [x.spec.template.spec.containers[0].image, x.spec.replicas, x.metadata.annotations?.['deployment.kubernetes.io/revision']]).sort(), [
      ['registry.example.com/web:1.0.0', 0, '1'],
      ['registry.example.com/web:1.1.0', 3, '2'],
    ]);
  });

  test('a rollout stuck on an image that cannot be pulled fails with the progress deadline error', async () => {
    ensureNamespace(sim, 'pd');
    sim.controllers.addBehavior({ image: 'registry.example.com/pd:*-missing', behavior: 'image-pull-error' });
    sim.store.create('deployments', deploymentManifest({ namespace: 'pd', name: 'pd', replicas: 2, image: 'registry.example.com/pd:1.0.0', progressDeadlineSeconds: 30 }));
    await waitForRollout(sim, 'deployments', 'pd', 'pd');
    await k.ok(['set', 'image', 'deploy/pd', '-n', 'pd', 'pd=registry.example.com/pd:2.0.0-missing']);
    const r = await k.run(['rollout', 'status', 'deploy/pd', '-n', 'pd']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: deployment "pd" exceeded its progress deadline\n');
    assert.match(r.stdout, /^Waiting for deployment "pd" rollout to finish: 1 out of 2 new replicas have been updated\.\.\.$/m);
    const pods = tableRows(await k.ok(['get', 'pods', '-n', 'pd']));
    const statuses = pods.slice(1).map((row) => row[2]);
    assert.ok(statuses.includes('ErrImagePull') || statuses.includes('ImagePullBackOff'), `pod statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 'Running').length, 2, 'the old pods keep running');
    const events = await k.ok(['get', 'events', '-n', 'pd', '-o', 'json']);
    const messages = (JSON.parse(events).items as KubeObject[]).map((e) => `${e.reason}: ${e.message}`);
    const ref = 'registry.example.com/pd:2.0.0-missing';
    assert.ok(messages.includes(`Failed: Failed to pull image "${ref}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`), messages.join('\n'));
    assert.ok(messages.includes(`BackOff: Back-off pulling image "${ref}"`));
    assert.ok(messages.includes('Failed: Error: ImagePullBackOff'));
  });

  test('statefulset and daemonset rollouts, created and updated with kubectl apply', async () => {
    ensureNamespace(sim, 'data');
    const file = manifestFile(k, 'sts-ds.yaml', [
      statefulSetManifest({ namespace: 'data', name: 'db', replicas: 3, image: 'registry.example.com/db:16.1' }),
      daemonSetManifest({ namespace: 'data', name: 'agent', image: 'registry.example.com/agent:3.0' }),
    ]);
    assert.equal((await k.ok(['apply', '-f', file])).trim(), 'statefulset.apps/db created\ndaemonset.apps/agent created');
    const sts = await k.run(['rollout', 'status', 'statefulset/db', '-n', 'data']);
    assert.equal(sts.code, 0, sts.stderr);
    assert.equal(sts.stdout.trim().split('\n').pop(), 'partitioned roll out complete: 3 new pods have been updated...');
    const ds = await k.run(['rollout', 'status', 'daemonset/agent', '-n', 'data']);
    assert.equal(ds.code, 0, ds.stderr);
    assert.equal(ds.stdout.trim().split('\n').pop(), 'daemon set "agent" successfully rolled out');
    const pods = tableRows(await k.ok(['get', 'pods', '-n', 'data', '-l', 'app=db', '-o', 'wide']));
    assert.deepEqual(pods.slice(1).map((r) => [r[0], r[1], r[2]]), [
      ['db-0', '1/1', 'Running'],
      ['db-1', '1/1', 'Running'],
      ['db-2', '1/1', 'Running'],
    ]);
    const agents = tableRows(await k.ok(['get', 'pods', '-n', 'data', '-l', 'app=agent', '-o', 'wide']));
    assert.deepEqual(agents.slice(1).map((r) => r[6]).sort(), ['kubesim-worker-1', 'kubesim-worker-2', 'kubesim-worker-3'], 'one daemon pod per node');

    // an update of both, followed to the end
    await k.ok(['set', 'image', 'statefulset/db', '-n', 'data', 'db=registry.example.com/db:16.2']);
    await k.ok(['set', 'image', 'daemonset/agent', '-n', 'data', 'agent=registry.example.com/agent:3.1']);
    const sts2 = await k.run(['rollout', 'status', 'statefulset/db', '-n', 'data']);
    assert.equal(sts2.code, 0, sts2.stderr);
    assert.equal(sts2.stdout.trim().split('\n').pop(), 'partitioned roll out complete: 3 new pods have been updated...');
    const ds2 = await k.run(['rollout', 'status', 'daemonset/agent', '-n', 'data']);
    assert.equal(ds2.code, 0, ds2.stderr);
    const images = await k.ok(['get', 'pods', '-n', 'data', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image}{"\\n"}{end}']);
    assert.deepEqual(images.trim().split('\n').sort(), [...Array(3).fill('registry.example.com/agent:3.1'), ...Array(3).fill('registry.example.com/db:16.2')]);
  });

  test('OnDelete strategies have no rollout status', async () => {
    ensureNamespace(sim, 'ondelete');
    sim.store.create('statefulsets', statefulSetManifest({ namespace: 'ondelete', name: 'db', replicas: 1, updateStrategy: 'OnDelete' }));
    const r = await k.run(['rollout', 'status', 'sts/db', '-n', 'ondelete']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: rollout status is only available for RollingUpdate strategy type');
  });
});

describe('kubectl writes', () => {
  let sim: KubeSim;
  let k: Kubectl;
  before(async () => {
    sim = await startKubeSim();
    k = new Kubectl(sim);
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 3, image: 'registry.example.com/web:1.0.0' });
  });
  after(async () => {
    k.dispose();
    await sim.close();
  });

  test('patch: strategic merge (kubectl default), merge and json patches', async () => {
    const before = sim.store.get('deployments', 'dev', 'web');
    await k.ok(['patch', 'deploy', 'web', '-n', 'dev', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"blue"}]}]}}}}']);
    let d = sim.store.get('deployments', 'dev', 'web');
    assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string; image: string; env?: unknown }) => [c.name, c.image, c.env]), [['web', 'registry.example.com/web:1.0.0', [{ name: 'MODE', value: 'blue' }]]], 'containers merged by name, image kept');
    assert.equal(d.metadata.generation, before.metadata.generation! + 1);
    await k.ok(['patch', 'deploy', 'web', '-n', 'dev', '--type', 'merge', '-p', '{"metadata":{"labels":{"tier":"frontend"}}}']);
    d = sim.store.get('deployments', 'dev', 'web');
    assert.deepEqual(d.metadata.labels, { app: 'web', tier: 'frontend' });
    assert.equal(d.metadata.generation, before.metadata.generation! + 1, 'labels do not bump the generation');
    await k.ok(['patch', 'deploy', 'web', '-n', 'dev', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"green"}]']);
    d = sim.store.get('deployments', 'dev', 'web');
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'green' }]);
    const failed = await k.run(['patch', 'deploy', 'web', '-n', 'dev', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":7}]']);
    assert.equal(failed.code, 1);
    // the API server's 422 carries the json-patch error as a cause without a field; kubectl prints "<field>: <message>"
    assert.equal(failed.stderr, 'The request is invalid: : testing value /spec/replicas failed: test failed\n');
    await waitForRollout(sim, 'deployments', 'dev', 'web');
  });

  test('set image starts a rollout to a new ReplicaSet with the next revision', async () => {
    const out = await k.ok(['set', 'image', 'deploy/web', '-n', 'dev', 'web=registry.example.com/web:2.0.0']);
    assert.equal(out.trim(), 'deployment.apps/web image updated');
    const done = await waitForRollout(sim, 'deployments', 'dev', 'web');
    const current = sim.store.select('replicasets', { namespace: 'dev' }).find((r) => r.spec.replicas === 3)!;
    assert.equal(current.spec.template.spec.containers[0].image, 'registry.example.com/web:2.0.0');
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], current.metadata.annotations?.['deployment.kubernetes.io/revision']);
    const pods = sim.store.select('pods', { namespace: 'dev' }).filter((p) => !p.metadata.deletionTimestamp);
    assert.deepEqual(pods.map((p) => p.spec.containers[0].image), Array(3).fill('registry.example.com/web:2.0.0'));
    const history = tableRows(await k.ok(['rollout', 'history', 'deploy/web', '-n', 'dev']));
    assert.deepEqual(history.slice(-2).map((r) => r[0]), [String(Number(done.metadata.annotations?.['deployment.kubernetes.io/revision']) - 1), done.metadata.annotations?.['deployment.kubernetes.io/revision']]);
  });

  test('scale goes through the scale subresource and the controller follows', async () => {
    const out = await k.ok(['scale', 'deploy/web', '-n', 'dev', '--replicas=5']);
    assert.equal(out.trim(), 'deployment.apps/web scaled');
    await sim.waitFor(() => sim.store.get('deployments', 'dev', 'web').status?.availableReplicas === 5, { description: '5 available replicas' });
    assert.deepEqual(tableRows(await k.ok(['get', 'deploy', 'web', '-n', 'dev']))[1]!.slice(0, 4), ['web', '5/5', '5', '5']);
    const events = tableRows(await k.ok(['get', 'events', '-n', 'dev', '--field-selector', 'reason=ScalingReplicaSet,involvedObject.name=web']));
    assert.match(events[events.length - 1]!.join(' '), /Scaled up replica set web-\w+ from 3 to 5$/);
    const conflict = await k.run(['scale', 'deploy/web', '-n', 'dev', '--replicas=2', '--current-replicas=3']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Expected replicas to be 3, was 5/);
  });

  test('rollout undo goes back to the previous ReplicaSet instead of creating one', async () => {
    const rsBefore = sim.store.select('replicasets', { namespace: 'dev' }).length;
    await k.ok(['rollout', 'undo', 'deploy/web', '-n', 'dev']);
    await waitForRollout(sim, 'deployments', 'dev', 'web');
    const d = sim.store.get('deployments', 'dev', 'web');
    assert.equal(d.spec.template.spec.containers[0].image, 'registry.example.com/web:1.0.0');
    assert.equal(sim.store.select('replicasets', { namespace: 'dev' }).length, rsBefore);
  });

  test('get events --watch prints new events as a rollout proceeds', async () => {
    const watch = k.spawn(['get', 'events', '-n', 'dev', '--watch']);
    // the initial list is printed first (its header), then the watch is open
    await watch.waitForLine(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    const seen = watch.lines.length;
    sim.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:3.0.0' }] } } } });
    await watch.waitForLine(/Pulling image "registry\.example\.com\/web:3\.0\.0"/);
    await watch.waitForLine(/Started\s+pod\/web-\w+-\w+\s+Started container web/);
    await waitForRollout(sim, 'deployments', 'dev', 'web');
    await watch.waitForLine(/Scaled down replica set web-\w+ from 1 to 0/);
    await watch.kill();
    const fresh = watch.lines.slice(seen);
    assert.ok(fresh.some((l) => /Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set/.test(l)), fresh.join('\n'));
    assert.ok(fresh.some((l) => /Normal\s+SuccessfulCreate\s+replicaset\/web-\w+\s+Created pod: web-/.test(l)));
    assert.ok(fresh.some((l) => /Normal\s+Scheduled\s+pod\/web-\w+-\w+\s+Successfully assigned dev\/web-\w+-\w+ to kubesim-worker-\d/.test(l)));
  });
});

describe('kubectl against an authenticating simulator (TLS + bearer token)', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ tls: true, auth: { tokens: { 'token-alice': 'alice' } } });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 1 });
  });
  after(async () => {
    await sim.close();
  });

  test('the right token works, a wrong one gets kubectl\'s Unauthorized errors', async () => {
    const good = new Kubectl(sim, { token: 'token-alice' });
    const bad = new Kubectl(sim, { token: 'token-mallory' });
    try {
      assert.deepEqual(tableRows(await good.ok(['get', 'deploy', '-n', 'dev']))[1]!.slice(0, 2), ['web', '1/1']);
      // without a discovery cache, the 401 comes from discovery
      const fresh = await bad.run(['get', 'deploy', '-n', 'dev']);
      assert.equal(fresh.code, 1);
      assert.equal(fresh.stderr.trim().split('\n').pop(), 'error: You must be logged in to the server (the server has asked for the client to provide credentials)');
      // with discovery cached, from the request itself (the Status body is decoded)
      const cached = await good.run(['get', 'deploy', '-n', 'dev', '--token', 'token-mallory']);
      assert.equal(cached.code, 1);
      assert.equal(cached.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    } finally {
      good.dispose();
      bad.dispose();
    }
  });

  test('Forbidden rules name the user, verb, resource and namespace', async () => {
    const k = new Kubectl(sim, { token: 'token-alice' });
    const remove = sim.auth.forbid({ verb: 'list', resource: 'pods', user: 'alice' });
    try {
      const r = await k.run(['get', 'pods', '-n', 'dev']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"');
      sim.faults.failNext(1, 403, { verb: 'get', resource: 'deployments' });
      const g = await k.run(['get', 'deploy', 'web', '-n', 'dev']);
      assert.equal(g.stderr.trim(), 'Error from server (Forbidden): deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "dev"');
    } finally {
      remove();
      k.dispose();
    }
  });
});
