import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KubeSession } from '../../../src/core/kube/session';
import { nullLogger } from '../../../src/core/log';
import { parseWorkload } from '../../../src/core/config/model';
import { configuredTarget } from '../../../src/core/kube/environmentWatch';
import { ClusterMappings, entryKey, LiveModel } from '../../../src/core/workspace/live';
import { EnvironmentsModel } from '../../../src/core/workspace/environments';
import { tempDir, writeTree } from '../../support/tmp';
import { MemoryMemento } from '../../support/memento';

const values = (tag: string) => `image:\n  repository: demo\n  tag: ${tag}\n`;

describe('cluster mappings and the live model', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  test('workload names: kind/name of the four kinds only', () => {
    assert.deepEqual(parseWorkload('rollout/web'), { kind: 'rollout', name: 'web' });
    assert.equal(parseWorkload('pod/web'), undefined);
    assert.equal(parseWorkload('deployment/'), undefined);
    assert.equal(parseWorkload('deployment/a/b'), undefined);
  });

  test("a workspace mapping overrides gitops-pilot.yaml's, field by field; Argo CD stays the file's", async () => {
    const dir = join(tmp.dir, 'configured');
    writeTree(dir, {
      'gitops-pilot.yaml': 'gitops:\n  repo: .\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n    cluster: { context: eks-dev, namespace: dev }\n    workload: deployment/web\n    argocd: { application: web-dev }\n',
      'envs/dev/values.yaml': values('1'),
    });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    const env = model.find('dev')!.env;
    assert.deepEqual(configuredTarget(env, undefined), { context: 'eks-dev', namespace: 'dev', workload: { kind: 'deployment', name: 'web' }, argocd: { application: 'web-dev', namespace: 'argocd' } });
    assert.deepEqual(configuredTarget(env, { context: 'arn:aws:eks:us-east-2:1:cluster/dev' }), { context: 'arn:aws:eks:us-east-2:1:cluster/dev', namespace: 'dev', workload: { kind: 'deployment', name: 'web' }, argocd: { application: 'web-dev', namespace: 'argocd' } });
    model.dispose();
  });

  test('watches follow visibility, trust and mappings; unmapped environments are not watched', async () => {
    const dir = join(tmp.dir, 'convention');
    writeTree(dir, { 'envs/dev/values.yaml': values('1'), 'envs/prod/values.yaml': values('0') });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    const memento = new MemoryMemento();
    const mappings = new ClusterMappings(memento);
    // a kubeconfig that does not exist: watches start and report the error, nothing connects
    const session = new KubeSession({ kubeconfig: () => ({ files: [join(tmp.dir, 'no-kubeconfig')], origin: 'setting' }) });
    let trusted = true;
    const live = new LiveModel({ session: () => session, environments: model, mappings, enabled: () => trusted });
    const dev = model.find('dev')!;
    const changed: string[] = [];
    live.onDidChange((k) => changed.push(k));

    live.setActive(true);
    assert.equal(live.watched, 0, 'nothing says where dev or prod run');
    assert.equal(live.target(dev), undefined);

    await mappings.set(entryKey(dev), { context: 'kind-dev', namespace: 'dev', workload: 'deployment/demo' });
    assert.equal(live.mappingSource(dev), 'workspace');
    assert.deepEqual(live.target(dev), { context: 'kind-dev', namespace: 'dev', workload: { kind: 'deployment', name: 'demo' } });
    assert.equal(live.watched, 1);
    assert.ok(changed.includes(entryKey(dev)));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(live.state(dev)?.health, 'error');
    assert.equal(live.state(dev)?.error?.code, 'kube.noKubeconfig');

    live.setActive(false);
    assert.equal(live.watched, 0, 'hidden: no watch');
    assert.equal(live.state(dev), undefined);
    trusted = false;
    live.setActive(true);
    assert.equal(live.watched, 0, 'Restricted Mode: no watch');
    trusted = true;
    live.sync();
    assert.equal(live.watched, 1);

    await mappings.set(entryKey(dev), undefined);
    assert.equal(live.watched, 0, 'the mapping removed');
    assert.equal(session.pool.size, 0, 'no informer left');
    live.dispose();
    mappings.dispose();
    await session.dispose();
    model.dispose();
  });
});
