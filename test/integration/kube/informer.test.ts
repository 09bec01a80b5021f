/**
 * The list+watch informer against the Kubernetes simulator and its faults: it follows a rollout to the
 * simulator's final state through dropped streams, stalled streams (watchdog), 410 Gone (relist), 500s
 * and an API server restart that forgets its history; watches are shared per key and all stop with
 * their last subscriber.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Informer } from '../../../src/core/kube/informer';
import { createRolledOutDeployment, startKubeSim, waitForRollout, type KubeSim } from '../../support/kubesim';
import { eventually, sameVersions, simSession, truth, versions, type SimSession } from './harness';

const IMAGE = (tag: string) => ({ spec: { template: { spec: { containers: [{ name: 'web', image: `registry.example.com/web:${tag}` }] } } } });

describe('informer: list + watch against kubesim', () => {
  let sim: KubeSim;
  let s: SimSession;
  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 3, image: 'registry.example.com/web:1' });
    s = simSession(sim, { informers: { silenceMs: 300, backoff: { baseMs: 20, maxMs: 200 }, healthyAfterMs: 50 } });
  });
  after(async () => {
    await s.close();
    await sim.close();
  });

  const converged = (inf: Informer, resource: string, what: string) =>
    eventually(() => inf.synced && !inf.error && sameVersions(versions(inf.objects), truth(sim, resource, 'dev')), what, 10_000, () => ({ informer: versions(inf.objects), truth: truth(sim, resource, 'dev'), error: inf.error?.message }));

  test('lists, then follows a rollout to the final state; one shared watch per key', async () => {
    const key = { context: 'kubesim', namespace: 'dev', resource: 'pods' as const, labelSelector: 'app=web' };
    const a = s.session.pool.subscribe(key);
    const b = s.session.pool.subscribe(key);
    assert.equal(a.informer, b.informer, 'the same informer for the same key');
    await converged(a.informer, 'pods', 'the first list');
    assert.equal(a.informer.objects.length, 3);
    await eventually(() => sim.stats.snapshot().openWatchesBy['pods/dev'] === 1, 'one watch stream');
    sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('2'));
    await waitForRollout(sim, 'deployments', 'dev', 'web');
    await sim.waitFor(() => sim.store.select('pods', { namespace: 'dev' }).every((p) => p.spec.containers[0].image.endsWith(':2')), { description: 'old pods gone' });
    await converged(a.informer, 'pods', 'the pods after the rollout');
    assert.ok(a.informer.objects.every((p) => p.spec.containers[0].image.endsWith(':2')));
    a.dispose();
    assert.equal(s.session.pool.size, 1, 'still subscribed once');
    b.dispose();
    assert.equal(s.session.pool.size, 0);
    await eventually(() => sim.stats.snapshot().openWatches === 0 && s.session.openWatches === 0, 'no watch left open');
  });

  test('dropped streams, a stalled stream, 410 Gone, 500s and a restart that forgets history: converges every time', async () => {
    const sub = s.session.pool.subscribe({ context: 'kubesim', namespace: 'dev', resource: 'replicasets' });
    const inf = sub.informer;
    try {
      await converged(inf, 'replicasets', 'the first list');

      const watching = () => eventually(() => sim.stats.snapshot().openWatchesBy['replicasets/dev'] === 1, 'the watch stream open');
      // dropped mid-rollout: re-watch from the last resourceVersion
      await watching();
      sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('3'));
      assert.equal(sim.faults.dropWatches({ resource: 'replicasets' }), 1);
      await waitForRollout(sim, 'deployments', 'dev', 'web');
      await converged(inf, 'replicasets', 'after a dropped stream');
      assert.ok(inf.stats.reconnects >= 1);

      // stalled (open, silent): the watchdog restarts it
      const restarts = inf.stats.watchdogRestarts;
      await watching();
      sim.faults.stallWatches(5_000, { resource: 'replicasets' });
      sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('4'));
      await waitForRollout(sim, 'deployments', 'dev', 'web');
      await converged(inf, 'replicasets', 'after a stalled stream');
      assert.ok(inf.stats.watchdogRestarts > restarts, 'the watchdog restarted the stream');

      // compacted history + drop: the re-watch gets 410 and relists
      const relists = inf.stats.relists;
      sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('5'));
      await waitForRollout(sim, 'deployments', 'dev', 'web');
      sim.faults.failNext(1, 410, { verb: 'watch', resource: 'replicasets' });
      await watching();
      sim.faults.dropWatches({ resource: 'replicasets' });
      await eventually(() => inf.stats.relists > relists, 'a relist after 410');
      await converged(inf, 'replicasets', 'after 410 Gone');

      // 500s on the next lists and watches: backoff, then back
      const errors = inf.stats.errors;
      sim.faults.failNext(3, 500, { resource: 'replicasets' });
      sim.faults.failNext(1, 410, { verb: 'watch', resource: 'replicasets' });
      await watching();
      sim.faults.dropWatches({ resource: 'replicasets' });
      sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('6'));
      await waitForRollout(sim, 'deployments', 'dev', 'web');
      await eventually(() => inf.stats.errors >= errors + 3, 'the 500s seen');
      await converged(inf, 'replicasets', 'after 500s');

      // an API server restart with downtime that resets history
      await watching();
      const restart = sim.faults.restart({ resetHistory: true, downtimeMs: 300 });
      sim.store.patch('deployments', 'dev', 'web', 'strategic', IMAGE('7'));
      await restart;
      await waitForRollout(sim, 'deployments', 'dev', 'web');
      await converged(inf, 'replicasets', 'after a restart');
      assert.ok(inf.stats.errors >= 1, 'the downtime was seen');
    } finally {
      sub.dispose();
    }
    await eventually(() => sim.stats.snapshot().openWatches === 0, 'no watch left open');
  });

  test('a forbidden list is an error naming the verb and resource; it recovers when allowed', async () => {
    const remove = sim.auth.forbid({ verb: 'list', resource: 'events' });
    const sub = s.session.pool.subscribe({ context: 'kubesim', namespace: 'dev', resource: 'events' });
    try {
      await eventually(() => sub.informer.status === 'error', 'the error');
      assert.equal(sub.informer.error?.code, 'kube.forbidden');
      assert.match(sub.informer.error!.message, /You may not list events in namespace dev \(context "kubesim"\): events is forbidden: User "kubesim-admin" cannot list resource "events"/);
      remove();
      await eventually(() => sub.informer.synced && !sub.informer.error, 'recovery');
    } finally {
      remove();
      sub.dispose();
    }
  });
});
