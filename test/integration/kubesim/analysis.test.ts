/**
 * Argo Rollouts analysis in the simulator: an `analysis` canary step makes an AnalysisRun labelled like the
 * real controller's; passing metrics let the rollout go on, a failing metric fails the run and aborts the
 * update with the run's message. Proven with the real kubectl (`get analysisruns`), and through the core: the
 * rollout watch fails with the metric's message, and the gates' observation reads the run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Environment } from '../../../src/core/config/model';
import { observeSource } from '../../../src/core/gates/observe';
import { watchRollout } from '../../../src/core/kube/watchRollout';
import { rolloutManifest, startKubeSim, waitForRollout, ensureNamespace, type KubeSim } from '../../support/kubesim';
import { Kubectl, tableRows } from '../../support/kubesim/kubectl';
import { simSession, type SimSession } from '../kube/harness';
import { tempDir, writeTree } from '../../support/tmp';

const IMAGE = 'registry.example.com/web';
const NS = 'shop';

describe('kubesim: AnalysisRuns under a Rollout', () => {
  let sim: KubeSim;
  let s: SimSession;
  const tmp = tempDir();

  before(async () => {
    sim = await startKubeSim();
    ensureNamespace(sim, NS);
    sim.store.create('analysistemplates', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'success-rate', namespace: NS },
      spec: { metrics: [{ name: 'success-rate', successCondition: 'result[0] >= 0.95', provider: { prometheus: { address: 'http://prometheus.example:9090', query: 'sum(rate(http_requests_total{code!~"5.."}[5m]))' } } }, { name: 'latency', provider: { prometheus: { address: 'http://prometheus.example:9090', query: 'p99' } } }] },
    });
    sim.store.create('rollouts', rolloutManifest({ namespace: NS, name: 'web', replicas: 2, image: `${IMAGE}:1.0.0`, steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'success-rate' }] } }] }));
    await waitForRollout(sim, 'rollouts', NS, 'web');
    s = simSession(sim, { context: 'kubesim' });
  });
  after(async () => {
    await s.close();
    await sim.close();
    tmp.cleanup();
  });

  const setImage = (tag: string) => sim.store.patch('rollouts', NS, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image: `${IMAGE}:${tag}` }] } } } });
  const env = (): Environment => {
    writeTree(tmp.dir, { 'envs/shop/values.yaml': `image:\n  repository: ${IMAGE}\n  tag: "${sim.store.get('rollouts', NS, 'web').spec.template.spec.containers[0].image.split(':')[1]}"\n` });
    return { id: 'shop', name: 'shop', gitopsRoot: tmp.dir, file: `${tmp.dir}/envs/shop/values.yaml`, relFile: 'envs/shop/values.yaml', locator: { kind: 'helm', path: ['image', 'tag'] }, cluster: { context: 'kubesim', namespace: NS }, workload: { kind: 'rollout', name: 'web' }, promotesTo: [], protected: false, source: 'config' };
  };

  test('passing metrics: a Successful run labelled like Argo Rollouts\', then the rollout completes', async () => {
    setImage('1.1.0');
    const ro = await waitForRollout(sim, 'rollouts', NS, 'web');
    const runs = sim.store.select('analysisruns', { namespace: NS });
    assert.equal(runs.length, 1);
    const run = runs[0]!;
    assert.equal(run.metadata.name, `web-${ro.status.currentPodHash}-2-1`);
    assert.deepEqual(run.metadata.labels, { 'rollouts-pod-template-hash': ro.status.currentPodHash, 'rollout-type': 'Step', 'step-index': '1' });
    assert.equal(run.metadata.annotations?.['rollout.argoproj.io/revision'], '2');
    assert.equal(run.metadata.ownerReferences?.[0]?.kind, 'Rollout');
    assert.equal(run.status.phase, 'Successful');
    assert.deepEqual(run.status.metricResults.map((m: { name: string; phase: string; successful: number }) => [m.name, m.phase, m.successful]), [['success-rate', 'Successful', 1], ['latency', 'Successful', 1]]);
    const seen = await observeSource(s.session, env());
    assert.equal(seen?.healthy, true, seen?.reason);
    assert.deepEqual(seen?.analysis, { name: run.metadata.name, phase: 'Successful' });
    assert.ok(seen?.healthySince, 'completion time from the Completed condition');
    const rows = tableRows(await new Kubectl(sim).ok(['get', 'analysisruns', '-n', NS]));
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'AGE']);
    assert.deepEqual(rows[1]!.slice(0, 2), [run.metadata.name, 'Successful']);
  });

  test('a failing metric fails the run, aborts the update, and fails the watch with the metric\'s message', async () => {
    sim.controllers.addAnalysisRule({ image: `${IMAGE}:*-bad`, metric: 'success-rate', phase: 'Failed', value: '0.42' });
    const watching = watchRollout(s.session, { context: 'kubesim', namespace: NS, workload: { kind: 'rollout', name: 'web' } }, { expect: { repository: IMAGE, tag: '1.2.0-bad' }, timeoutMs: 30_000 });
    setImage('1.2.0-bad');
    const p = await watching;
    assert.equal(p.state, 'failed');
    assert.equal(p.reason, 'RolloutAborted');
    assert.match(p.message, /RolloutAborted: Rollout aborted update to revision 3: Metric "success-rate" assessed Failed due to failed \(1\) > failureLimit \(0\)/);
    const ro = sim.store.get('rollouts', NS, 'web');
    assert.equal(ro.status.phase, 'Degraded');
    const run = sim.store.select('analysisruns', { namespace: NS }).find((r) => r.metadata.labels?.['rollouts-pod-template-hash'] === ro.status.currentPodHash)!;
    assert.equal(run.status.phase, 'Failed');
    assert.deepEqual(run.status.metricResults.map((m: { name: string; phase: string }) => [m.name, m.phase]), [['success-rate', 'Failed'], ['latency', 'Successful']]);
    assert.equal(run.status.metricResults[0].measurements[0].value, '0.42');
    const seen = await observeSource(s.session, env());
    assert.equal(seen?.healthy, false);
    assert.equal(seen?.analysis?.phase, 'Failed');
    assert.match(seen!.analysis!.message!, /^Metric "success-rate" assessed Failed/);
  });
});
