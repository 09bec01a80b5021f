/**
 * Watch semantics over plain HTTP, as a client library sees them: resourceVersion continuity,
 * 410 Gone, bookmarks, selectors applied to transitions, timeouts, and the injected faults.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { ensureNamespace, deploymentManifest, startKubeSim, type KubeObject, type KubeSim } from '../../support/kubesim';
import { openWatch, request, type WatchEvent } from '../../support/kubesim/client';

const DEPLOYMENTS = '/apis/apps/v1/namespaces/dev/deployments';

function configMapLike(name: string, labels: Record<string, string> = {}): KubeObject {
  // Deployments are the watched objects here; controllers are off, so only the test changes them
  const d = deploymentManifest({ namespace: 'dev', name, replicas: 1 });
  d.metadata.labels = labels;
  return d;
}

const rvOf = (e: WatchEvent) => Number(e.object.metadata.resourceVersion);

describe('watch: resourceVersion semantics', () => {
  let sim: KubeSim;
  const opened: Array<{ close(): void }> = [];
  before(async () => {
    sim = await startKubeSim({ controllers: false, historyLimit: 20, bookmarkIntervalMs: 40 });
    ensureNamespace(sim, 'dev');
  });
  afterEach(() => {
    for (const w of opened.splice(0)) w.close();
  });
  after(async () => {
    await sim.close();
  });
  const watch = (path: string, accept?: string) => {
    const w = openWatch(sim.url, path, { accept });
    opened.push(w);
    return w;
  };

  test('a watch from a list resourceVersion gets exactly the later changes, in order, then live ones', async () => {
    sim.store.create('deployments', configMapLike('a'));
    const list = await request(sim.url, 'GET', DEPLOYMENTS);
    assert.equal(list.status, 200);
    assert.equal(list.body.kind, 'DeploymentList');
    const listRv = Number(list.body.metadata.resourceVersion);
    sim.store.create('deployments', configMapLike('b'));
    sim.store.patch('deployments', 'dev', 'a', 'merge', { metadata: { labels: { x: '1' } } });
    sim.store.delete('deployments', 'dev', 'b');
    const w = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${listRv}`);
    const got = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual(got.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'b'], ['MODIFIED', 'a'], ['DELETED', 'b']]);
    const rvs = got.map(rvOf);
    assert.ok(rvs[0]! > listRv && rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `increasing: ${listRv} ${rvs}`);
    assert.equal(got[0]!.object.kind, 'Deployment', 'watch event objects carry their kind');
    sim.store.create('deployments', configMapLike('c'));
    const live = await w.next();
    assert.deepEqual([live.type, live.object.metadata.name], ['ADDED', 'c']);
    assert.ok(rvOf(live) > rvs[2]!);
    assert.equal(w.events.length, 4, 'nothing replayed twice');
  });

  test('without a resourceVersion a watch starts with ADDED for every current object', async () => {
    const w = watch(`${DEPLOYMENTS}?watch=1`);
    const names = [(await w.next()).object.metadata.name, (await w.next()).object.metadata.name];
    assert.deepEqual(names.sort(), ['a', 'c']);
    assert.ok(w.events.every((e) => e.type === 'ADDED'));
  });

  test('sendInitialEvents ends the initial state with a bookmark annotated k8s.io/initial-events-end', async () => {
    const w = watch(`${DEPLOYMENTS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    const bookmark = await w.next((e) => e.type === 'BOOKMARK');
    assert.deepEqual(w.events.slice(0, 2).map((e) => e.type), ['ADDED', 'ADDED']);
    assert.equal(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.equal(bookmark.object.metadata.resourceVersion, sim.store.resourceVersion);
  });

  test('bookmarks carry the current resourceVersion and the kind, nothing else', async () => {
    const w = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}&allowWatchBookmarks=true`);
    sim.store.patch('deployments', 'dev', 'c', 'merge', { metadata: { labels: { y: '2' } } });
    const modified = await w.next((e) => e.type === 'MODIFIED');
    const bookmark = await w.next((e) => e.type === 'BOOKMARK');
    assert.deepEqual(bookmark.object, { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { resourceVersion: sim.store.resourceVersion } });
    assert.ok(Number(bookmark.object.metadata.resourceVersion) >= rvOf(modified));
    const plain = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}`);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(plain.events.length, 0, 'no bookmarks unless asked for');
  });

  test('a resourceVersion older than the kept history gets 410 Gone as an ERROR event, then the stream ends', async () => {
    const old = Number(sim.store.resourceVersion);
    for (let i = 0; i < 25; i++) sim.store.patch('deployments', 'dev', 'a', 'merge', { metadata: { annotations: { n: String(i) } } });
    const w = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${old}`);
    const e = await w.next();
    assert.equal(w.status, 200);
    assert.equal(e.type, 'ERROR');
    assert.equal(e.object.kind, 'Status');
    assert.equal(e.object.code, 410);
    assert.equal(e.object.reason, 'Expired');
    assert.match(e.object.message, new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
    assert.equal(await w.waitEnd(), 'end');
  });

  test('an exact list at a compacted resourceVersion and an expired continue token get HTTP 410', async () => {
    const first = await request(sim.url, 'GET', `${DEPLOYMENTS}?limit=1`);
    assert.equal(first.body.items.length, 1);
    assert.ok(first.body.metadata.continue);
    assert.equal(first.body.metadata.remainingItemCount, 1);
    const atRv = first.body.metadata.resourceVersion;
    const exact = await request(sim.url, 'GET', `${DEPLOYMENTS}?resourceVersion=${atRv}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 200);
    assert.equal(exact.body.metadata.resourceVersion, atRv);
    // a change, then a compaction up to now: the first page's resourceVersion is history
    sim.store.patch('deployments', 'dev', 'a', 'merge', { metadata: { annotations: { n: 'after' } } });
    sim.faults.compact();
    const gone = await request(sim.url, 'GET', `${DEPLOYMENTS}?resourceVersion=${atRv}&resourceVersionMatch=Exact`);
    assert.equal(gone.status, 410);
    assert.deepEqual([gone.body.kind, gone.body.reason, gone.body.code], ['Status', 'Expired', 410]);
    const cont = await request(sim.url, 'GET', `${DEPLOYMENTS}?limit=1&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    assert.equal(cont.status, 410);
    assert.match(cont.body.message, /^The provided continue parameter is too old/);
  });

  test('paginated lists are a consistent snapshot at the first page\'s resourceVersion', async () => {
    for (const n of ['p1', 'p2', 'p3']) sim.store.create('deployments', configMapLike(n));
    const page1 = await request(sim.url, 'GET', `${DEPLOYMENTS}?limit=2`);
    sim.store.delete('deployments', 'dev', 'p3');
    sim.store.create('deployments', configMapLike('p4'));
    const names: string[] = page1.body.items.map((i: KubeObject) => i.metadata.name);
    let token = page1.body.metadata.continue;
    while (token) {
      const page = await request(sim.url, 'GET', `${DEPLOYMENTS}?limit=2&continue=${encodeURIComponent(token)}`);
      assert.equal(page.body.metadata.resourceVersion, page1.body.metadata.resourceVersion);
      names.push(...page.body.items.map((i: KubeObject) => i.metadata.name));
      token = page.body.metadata.continue;
    }
    assert.deepEqual(names, ['a', 'c', 'p1', 'p2', 'p3'], 'p3 still there, p4 not yet');
  });

  test('timeoutSeconds ends the stream cleanly', async () => {
    const w = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}&timeoutSeconds=1`);
    assert.equal(await w.waitEnd(3000), 'end');
    assert.equal(w.events.length, 0);
  });

  test('Table watches (kubectl get -w) send rows, column definitions only in the first event', async () => {
    const w = watch(`${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}`, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
    sim.store.patch('deployments', 'dev', 'a', 'merge', { metadata: { labels: { t: '1' } } });
    sim.store.patch('deployments', 'dev', 'c', 'merge', { metadata: { labels: { t: '1' } } });
    const [e1, e2] = [await w.next(), await w.next()];
    assert.equal(e1.object.kind, 'Table');
    assert.deepEqual(e1.object.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
    assert.equal(e2.object.columnDefinitions, undefined);
    assert.deepEqual(e1.object.rows[0].cells.slice(0, 4), ['a', '0/1', 0, 0]);
    assert.equal(e2.object.rows[0].object.kind, 'PartialObjectMetadata');
    assert.equal(e2.object.rows[0].object.metadata.name, 'c');
  });
});

describe('watch: selectors apply to transitions', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ controllers: false });
    ensureNamespace(sim, 'dev');
    ensureNamespace(sim, 'other');
  });
  after(async () => {
    await sim.close();
  });

  test('label selector: an object relabelled into the selection is ADDED, out of it DELETED', async () => {
    sim.store.create('deployments', configMapLike('web', { app: 'web' }));
    const w = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}&labelSelector=${encodeURIComponent('app=web,track in (canary)')}`);
    try {
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { track: 'canary' } } });
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { annotations: { note: 'still matches' } } });
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { track: 'stable' } } });
      const leaveRv = Number(sim.store.resourceVersion);
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { annotations: { note: 'not selected' } } });
      sim.store.create('deployments', configMapLike('canary2', { app: 'web', track: 'canary' }));
      const events = [await w.next(), await w.next(), await w.next(), await w.next()];
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'web'], ['MODIFIED', 'web'], ['DELETED', 'web'], ['ADDED', 'canary2']]);
      // the DELETED object is the last state that matched, at the resourceVersion of the change
      assert.equal(events[2]!.object.metadata.labels.track, 'canary');
      assert.equal(rvOf(events[2]!), leaveRv);
    } finally {
      w.close();
    }
  });

  test('field selectors: metadata.name on a namespace, all-namespaces watches, events by involvedObject', async () => {
    const byName = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&fieldSelector=metadata.name%3Dweb`);
    const everywhere = openWatch(sim.url, `/apis/apps/v1/deployments?watch=true&resourceVersion=${sim.store.resourceVersion}&fieldSelector=metadata.namespace!%3Ddev`);
    const events = openWatch(sim.url, `/api/v1/namespaces/dev/events?watch=true&resourceVersion=${sim.store.resourceVersion}&fieldSelector=${encodeURIComponent('involvedObject.kind=Deployment,involvedObject.name=web,type=Warning')}`);
    try {
      assert.equal((await byName.next()).object.metadata.name, 'web');
      sim.store.create('deployments', configMapLike('elsewhere', {}));
      const otherNs = configMapLike('away');
      otherNs.metadata.namespace = 'other';
      sim.store.create('deployments', otherNs);
      const e = await everywhere.next();
      assert.deepEqual([e.type, e.object.metadata.namespace, e.object.metadata.name], ['ADDED', 'other', 'away']);
      const web = sim.store.get('deployments', 'dev', 'web');
      const ev = (type: string, name: string) => ({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.${type.toLowerCase()}`, namespace: 'dev' },
        involvedObject: { kind: 'Deployment', name, namespace: 'dev', uid: web.metadata.uid },
        type,
        reason: 'Test',
        message: type,
      });
      sim.store.create('events', ev('Normal', 'web'));
      sim.store.create('events', ev('Warning', 'canary2'));
      sim.store.create('events', ev('Warning', 'web'));
      const got = await events.next();
      assert.deepEqual([got.object.involvedObject.name, got.object.type], ['web', 'Warning']);
      assert.equal(events.events.length, 1);
      assert.equal(byName.events.length, 1, 'other names are not sent');
      const bad = await request(sim.url, 'GET', '/api/v1/namespaces/dev/events?fieldSelector=involvedObject.colour%3Dred');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.message, 'field label not supported: involvedObject.colour');
      const crd = await request(sim.url, 'GET', '/apis/argoproj.io/v1alpha1/namespaces/dev/rollouts?fieldSelector=spec.replicas%3D1');
      assert.equal(crd.body.message, '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"');
    } finally {
      byName.close();
      everywhere.close();
      events.close();
    }
  });

  test('label selector operators on lists: =, ==, !=, in, notin, exists, !exists', async () => {
    ensureNamespace(sim, 'sel');
    const mk = (name: string, labels: Record<string, string>) => {
      const d = configMapLike(name, labels);
      d.metadata.namespace = 'sel';
      sim.store.create('deployments', d);
    };
    mk('a', { app: 'web', env: 'dev' });
    mk('b', { app: 'web', env: 'prod' });
    mk('c', { app: 'api' });
    mk('d', { tier: 'x' });
    const names = async (selector: string) => {
      const r = await request(sim.url, 'GET', `/apis/apps/v1/namespaces/sel/deployments?labelSelector=${encodeURIComponent(selector)}`);
      assert.equal(r.status, 200, r.text);
      return r.body.items.map((i: KubeObject) => i.metadata.name).join(',');
    };
    assert.equal(await names('app=web'), 'a,b');
    assert.equal(await names('app==web'), 'a,b');
    assert.equal(await names('app!=web'), 'c,d');
    assert.equal(await names('env in (dev, qa)'), 'a');
    assert.equal(await names('env notin (dev)'), 'b,c,d');
    assert.equal(await names('env'), 'a,b');
    assert.equal(await names('!env'), 'c,d');
    assert.equal(await names('app=web,env!=dev'), 'b');
    assert.equal(await names(''), 'a,b,c,d');
    const bad = await request(sim.url, 'GET', `/apis/apps/v1/namespaces/sel/deployments?labelSelector=${encodeURIComponent('app in web')}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^unable to parse requirement: /);
  });
});

describe('watch: injected faults and statistics', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ controllers: false });
    ensureNamespace(sim, 'dev');
    sim.store.create('deployments', configMapLike('web'));
  });
  after(async () => {
    await sim.close();
  });

  test('failNext answers the next N matching requests with the given status, then requests succeed', async () => {
    sim.faults.failNext(2, 500, { verb: 'list', resource: 'deployments', namespace: 'dev' });
    const other = await request(sim.url, 'GET', '/api/v1/namespaces/dev/pods');
    assert.equal(other.status, 200, 'other requests are not affected');
    const r1 = await request(sim.url, 'GET', DEPLOYMENTS);
    const r2 = await request(sim.url, 'GET', DEPLOYMENTS);
    const r3 = await request(sim.url, 'GET', DEPLOYMENTS);
    assert.deepEqual([r1.status, r2.status, r3.status], [500, 500, 200]);
    assert.deepEqual([r1.body.kind, r1.body.reason], ['Status', 'InternalError']);
    sim.faults.failNext(1, 401);
    const unauthorized = await request(sim.url, 'GET', '/version');
    assert.deepEqual([unauthorized.status, unauthorized.body.message], [401, 'Unauthorized']);
    sim.faults.failNext(1, 403, { verb: 'patch', resource: 'deployments' });
    const denied = await request(sim.url, 'PATCH', `${DEPLOYMENTS}/web`, { body: { metadata: { labels: { a: 'b' } } }, contentType: 'application/merge-patch+json' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.message, 'deployments.apps "web" is forbidden: User "kubesim-admin" cannot patch resource "deployments" in API group "apps" in the namespace "dev"');
    sim.faults.failNext(1, 429, { verb: 'get' });
    const throttled = await request(sim.url, 'GET', `${DEPLOYMENTS}/web`);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers['retry-after'], '1');
  });

  test('failNext 410 on a watch is an ERROR event like the watch cache sends; on a list an HTTP 410', async () => {
    sim.faults.failNext(1, 410, { verb: 'watch', resource: 'deployments' });
    const w = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}`);
    const e = await w.next();
    assert.equal(w.status, 200);
    assert.deepEqual([e.type, e.object.code, e.object.reason], ['ERROR', 410, 'Expired']);
    assert.equal(await w.waitEnd(), 'end');
    sim.faults.failNext(1, 410, { verb: 'list' });
    const list = await request(sim.url, 'GET', DEPLOYMENTS);
    assert.deepEqual([list.status, list.body.reason], [410, 'Expired']);
  });

  test('dropWatches resets matching streams only', async () => {
    const dev = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}`);
    const pods = openWatch(sim.url, `/api/v1/namespaces/dev/pods?watch=true&resourceVersion=${sim.store.resourceVersion}`);
    try {
      await sim.waitFor(() => sim.stats.snapshot().openWatches === 2, { description: 'two open watches' });
      assert.equal(sim.faults.dropWatches({ resource: 'deployments' }), 1);
      assert.equal(await dev.waitEnd(), 'error');
      assert.equal(pods.endedBy, undefined);
      await sim.waitFor(() => sim.stats.snapshot().openWatches === 1, { description: 'the pod watch left open' });
      assert.deepEqual(sim.stats.snapshot().openWatchesBy, { 'pods/dev': 1 });
    } finally {
      dev.close();
      pods.close();
    }
  });

  test('stallWatches holds events back while the connection stays open, then delivers them in order', async () => {
    await sim.waitFor(() => sim.stats.snapshot().openWatches === 0, { description: 'earlier watches closed' });
    const w = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${sim.store.resourceVersion}`);
    try {
      await sim.waitFor(() => sim.stats.snapshot().openWatches === 1, { description: 'the watch open' });
      assert.equal(sim.faults.stallWatches(1500, { resource: 'deployments' }), 1);
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { s: '1' } } });
      sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { s: '2' } } });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(w.events.length, 0, 'nothing arrives during the stall');
      assert.equal(w.endedBy, undefined);
      const [a, b] = [await w.next(), await w.next()];
      assert.deepEqual([a.object.metadata.labels.s, b.object.metadata.labels.s], ['1', '2']);
    } finally {
      w.close();
    }
  });

  test('restart drops every connection; with resetHistory old resourceVersions get 410; with downtime the port refuses meanwhile', async () => {
    await sim.waitFor(() => sim.stats.snapshot().openWatches === 0, { description: 'earlier watches closed' });
    const rv = sim.store.resourceVersion;
    sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { before: 'restart' } } });
    const w = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${rv}`);
    await w.next();
    assert.equal(sim.stats.snapshot().openWatches, 1);
    const restarted = sim.faults.restart({ resetHistory: true, downtimeMs: 1000 });
    assert.equal(await w.waitEnd(), 'error');
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(sim.port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    await restarted;
    sim.store.patch('deployments', 'dev', 'web', 'merge', { metadata: { labels: { after: 'restart' } } });
    const again = openWatch(sim.url, `${DEPLOYMENTS}?watch=true&resourceVersion=${rv}`);
    const e = await again.next();
    assert.deepEqual([e.type, e.object.code], ['ERROR', 410]);
    const fresh = openWatch(sim.url, `${DEPLOYMENTS}?watch=true`);
    assert.equal((await fresh.next()).object.metadata.labels.after, 'restart');
    fresh.close();
    await sim.waitFor(() => sim.stats.snapshot().openWatches === 0, { description: 'watches closed' });
  });

  test('stats count requests by verb and path, watches opened and events sent', async () => {
    sim.stats.reset();
    await request(sim.url, 'GET', DEPLOYMENTS);
    await request(sim.url, 'GET', `${DEPLOYMENTS}/web`);
    await request(sim.url, 'PATCH', `${DEPLOYMENTS}/web`, { body: { metadata: { labels: { n: '1' } } }, contentType: 'application/merge-patch+json' });
    const w = openWatch(sim.url, `${DEPLOYMENTS}?watch=true`);
    await w.next();
    const s = sim.stats.snapshot();
    assert.equal(s.requests, 4);
    assert.deepEqual(s.byVerb, { list: 1, get: 1, patch: 1, watch: 1 });
    assert.equal(s.byPath[`LIST ${DEPLOYMENTS}`], 1);
    assert.equal(s.byPath[`PATCH ${DEPLOYMENTS}/web`], 1);
    assert.equal(s.openWatches, 1);
    assert.deepEqual(s.openWatchesBy, { 'deployments/dev': 1 });
    assert.equal(s.watchesOpened, 1);
    assert.equal(s.watchEventsSent, 1);
    assert.deepEqual(s.watchEventsByType, { ADDED: 1 });
    w.close();
    await sim.waitFor(() => sim.stats.snapshot().openWatches === 0, { description: 'the watch closed' });
  });
});
