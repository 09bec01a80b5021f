/**
 * The Environments tree's live model on the simulator: a collapsed environment is watched through its
 * workload alone, but while its rollout is not done its pods are watched too, so the row itself can say
 * why a rollout is stuck (ImagePullBackOff), as the status bar does; once rolled out, the pod watch is let
 * go again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nullLogger } from '../../../src/core/log';
import { ClusterMappings, entryKey, LiveModel } from '../../../src/core/workspace/live';
import { EnvironmentsModel } from '../../../src/core/workspace/environments';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { tempDir, writeTree } from '../../support/tmp';
import { eventually, simSession, type SimSession } from './harness';
import { MemoryMemento } from '../../support/memento';

const REPO = 'registry.example.com/demo-app';

describe('live model: a collapsed environment that is rolling out says why it is stuck', () => {
  let sim: KubeSim;
  let s: SimSession;
  const tmp = tempDir('gitops-pilot-live-');
  let model: EnvironmentsModel;
  let live: LiveModel;

  before(async () => {
    sim = await startKubeSim();
    sim.controllers.addBehavior({ image: `${REPO}:*-missing`, behavior: 'image-pull-error' });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'demo-app', replicas: 2, image: `${REPO}:1.0.0` });
    s = simSession(sim);
    const dir = join(tmp.dir, 'repo');
    writeTree(dir, {
      'gitops-pilot.yaml': 'gitops:\n  repo: .\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n    cluster: { context: kubesim, namespace: dev }\n    workload: deployment/demo-app\n',
      'envs/dev/values.yaml': `image:\n  repository: ${REPO}\n  tag: "1.0.0"\n`,
    });
    model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    live = new LiveModel({ session: () => s.session, environments: model, mappings: new ClusterMappings(new MemoryMemento()), enabled: () => true });
    live.setActive(true);
  });

  after(async () => {
    live?.dispose();
    model?.dispose();
    await s?.close();
    await sim?.close();
    tmp.cleanup();
  });

  const dev = () => model.find('dev')!;
  /** informers running: the Deployment's alone while collapsed; with its pods, ReplicaSets and events while detailed */
  const informers = () => s.session.pool.stats().informers;
  const setImage = (tag: string) =>
    sim.store.patch('deployments', 'dev', 'demo-app', 'strategic', { spec: { template: { spec: { containers: [{ name: 'demo-app', image: `${REPO}:${tag}` }] } } } });

  test('rolled out and collapsed: healthy, and no pods watched', async () => {
    await eventually(() => live.state(dev())?.health === 'healthy', 'dev healthy', 10_000, () => live.state(dev())?.summary);
    assert.equal(live.isExpanded(entryKey(dev())), false);
    assert.equal(live.state(dev())?.detailed, false);
    assert.equal(informers(), 1, 'only the Deployment is watched');
  });

  test('a new image that cannot be pulled: the collapsed row says ImagePullBackOff (or ErrImagePull)', async () => {
    setImage('2.0.0-missing');
    const state = await eventually(() => {
      const st = live.state(dev());
      return st?.stuck ? st : undefined;
    }, 'a stuck pod in the live state', 15_000, () => live.state(dev())?.summary);
    assert.match(state.stuck!.reason, /^(ImagePullBackOff|ErrImagePull)$/);
    assert.match(state.summary, /ImagePullBackOff|ErrImagePull/);
    assert.equal(state.health, 'degraded');
    assert.equal(informers(), 4, 'its pods, ReplicaSets and events are watched while it rolls out');
  });

  test('rolled back and rolled out: the detail watches are let go', async () => {
    setImage('1.0.0');
    await eventually(() => live.state(dev())?.health === 'healthy', 'dev healthy again', 15_000, () => live.state(dev())?.summary);
    await eventually(() => informers() === 1, 'only the Deployment watched once rolled out', 5_000, () => s.session.pool.stats());
  });
});
