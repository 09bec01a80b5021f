/**
 * Watch requests that never open a stream leave nothing behind. An informer lives as long as the
 * editor and retries the same watch with the same abort signal for as long as the cluster refuses it
 * (500s, 401s, an API server that is down): each failed attempt must let go of its request and of its
 * abort listener, or a long outage grows the extension host's memory (and Node warns of a listener leak).
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { KubeClient } from '../../../src/core/kube/client';
import { resourcePath } from '../../../src/core/kube/resources';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { simSession, type SimSession } from './harness';

describe('a watch that is refused leaves nothing behind', () => {
  let sim: KubeSim;
  let s: SimSession;
  let client: KubeClient;

  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 1, image: 'registry.example.com/web:1' });
    s = simSession(sim);
    client = (await s.session.connect('kubesim')).client;
  });
  after(async () => {
    await s?.close();
    await sim?.close();
  });

  const attempts = 25;
  const watchOnce = (signal: AbortSignal) => client.watch(resourcePath('deployments', 'dev'), {}, () => undefined, { signal });

  test(`${attempts} watches refused with 500, 410 and 403: no listener on the signal, no request kept`, async () => {
    const abort = new AbortController();
    let refused = 0;
    for (const status of [500, 410, 403]) {
      sim.faults.failNext(attempts, status, { verb: 'watch', resource: 'deployments' });
      for (let i = 0; i < attempts; i++) {
        await watchOnce(abort.signal).then(
          (stream) => {
            // a 410 is an ERROR event inside a 200 stream (as the watch cache sends it): it opens, then ends
            stream.abort();
          },
          () => refused++,
        );
      }
      sim.faults.clear();
    }
    assert.ok(refused >= 2 * attempts, `the 500s and 403s were refused (${refused})`);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'no abort listener left on the signal');
    assert.equal(client.pendingStreams, 0, 'no watch request kept');
  });

  test('the API server down: refused connections leave nothing behind either', async () => {
    const abort = new AbortController();
    const down = sim.faults.restart({ downtimeMs: 1500 });
    await new Promise((r) => setTimeout(r, 100));
    let refused = 0;
    for (let i = 0; i < 10; i++) await watchOnce(abort.signal).then((stream) => stream.abort(), () => refused++);
    await down;
    assert.ok(refused > 0, 'connections were refused while the server was down');
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
    assert.equal(client.pendingStreams, 0);
    // and once it is back, a watch opens and ends cleanly
    const stream = await watchOnce(abort.signal);
    assert.equal(client.pendingStreams, 1);
    stream.abort();
    await stream.ended;
    assert.equal(client.pendingStreams, 0);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
  });
});
