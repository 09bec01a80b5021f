/**
 * Promoting into a protected environment checks the source's rollout on the cluster (the editor's
 * sourceHealth hook is rolloutHealth): healthy when it runs what its file declares, rolled out;
 * refused with the reason when the declared image has not reached the cluster, when a pod cannot pull
 * it, or when the cluster cannot be asked. Real git, the real promote, nothing written when refused.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import type { Environment } from '../../../src/core/config/model';
import type { PilotError } from '../../../src/core/errors';
import { promote, type OperationContext } from '../../../src/core/gitops/operations';
import { readEnvironmentFile } from '../../../src/core/gitops/environmentFile';
import type { ClusterTarget } from '../../../src/core/kube/environmentWatch';
import { rolloutHealth } from '../../../src/core/kube/watchRollout';
import { nullLogger } from '../../../src/core/log';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { simSession, type SimSession } from './harness';
import { runCli } from '../../support/cli';

const REPO = 'registry.example.com/demo-app';
const values = (tag: string) => `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`;

describe('promotion into a protected environment asks the source\'s cluster', () => {
  let sim: KubeSim;
  let s: SimSession;
  let fx: GitFixture;
  let work: string;

  before(async () => {
    sim = await startKubeSim();
    sim.controllers.addBehavior({ image: `${REPO}:*-missing`, behavior: 'image-pull-error' });
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', replicas: 2, image: `${REPO}:1.0.4` });
    s = simSession(sim);
    fx = gitFixture({
      'gitops-pilot.yaml': 'gitops:\n  repo: .\n  branch: main\nenvironments:\n  - name: staging\n    file: envs/staging/values.yaml\n    cluster: { context: kubesim, namespace: staging }\n    workload: deployment/demo-app\n  - name: prod\n    file: envs/prod/values.yaml\n    promoteFrom: staging\n    protected: true\n',
      'envs/staging/values.yaml': values('1.0.4'),
      'envs/prod/values.yaml': values('1.0.3'),
    });
    work = fx.clones[0]!;
  });
  after(async () => {
    await s.close();
    await sim.close();
    fx.cleanup();
  });

  async function attempt(): Promise<{ result?: unknown; error?: PilotError }> {
    const project = (await loadProject(work))!;
    const env = (id: string) => project.environments.find((e) => e.id === id)!;
    const sourceHealth = async (e: Environment) => {
      const file = await readEnvironmentFile(e);
      const target: ClusterTarget = { context: e.cluster?.context, namespace: e.cluster?.namespace, workload: e.workload! };
      return rolloutHealth(s.session, target, file.ok ? file.declared : undefined);
    };
    const ctx: OperationContext = { project, git: { log: nullLogger }, push: false, sourceHealth };
    try {
      return { result: await promote(ctx, { from: env('staging'), to: env('prod'), confirmed: true }) };
    } catch (err) {
      return { error: err as PilotError };
    }
  }

  const prodFile = () => readFileSync(join(work, 'envs/prod/values.yaml'), 'utf8');

  test('refused while the declared image has not reached the cluster; refused while a pod cannot pull it', async () => {
    writeFileSync(join(work, 'envs/staging/values.yaml'), values('1.0.5-missing'));
    git(work, 'commit', '-qam', 'deploy(staging): 1.0.5-missing');
    const before = prodFile();
    const notYet = await attempt();
    assert.equal(notYet.error?.code, 'promote.sourceUnhealthy');
    assert.match(notYet.error!.message, /^staging is not healthy \(Waiting for 1\.0\.5-missing to reach the cluster \(it runs 1\.0\.4\)\), so it cannot be promoted to protected prod$/);
    sim.store.patch('deployments', 'staging', 'demo-app', 'strategic', { spec: { template: { spec: { containers: [{ name: 'demo-app', image: `${REPO}:1.0.5-missing` }] } } } });
    await sim.waitFor(() => sim.store.select('pods', { namespace: 'staging' }).some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'), { description: 'ImagePullBackOff' });
    const stuck = await attempt();
    assert.equal(stuck.error?.code, 'promote.sourceUnhealthy');
    assert.match(stuck.error!.message, /\(ImagePullBackOff on pod demo-app-[a-z0-9]+-[a-z0-9]+\)/);
    assert.equal(prodFile(), before, 'prod untouched');
  });

  test('allowed once the source runs its declared image, rolled out', async () => {
    writeFileSync(join(work, 'envs/staging/values.yaml'), values('1.0.5'));
    git(work, 'commit', '-qam', 'deploy(staging): 1.0.5');
    sim.store.patch('deployments', 'staging', 'demo-app', 'strategic', { spec: { template: { spec: { containers: [{ name: 'demo-app', image: `${REPO}:1.0.5` }] } } } });
    await sim.waitFor(() => {
      const d = sim.store.get('deployments', 'staging', 'demo-app');
      return d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && d.status?.replicas === 2;
    }, { description: 'staging rolled out' });
    const ok = await attempt();
    assert.equal(ok.error, undefined, ok.error?.message);
    assert.match(prodFile(), /tag: "1\.0\.5"/);
  });

  test('the CLI checks it too: gitops-pilot promote into prod exits 2 while staging is unhealthy, and --force skips the check', async () => {
    writeFileSync(join(work, 'envs/staging/values.yaml'), values('1.0.6-missing'));
    git(work, 'commit', '-qam', 'deploy(staging): 1.0.6-missing');
    sim.store.patch('deployments', 'staging', 'demo-app', 'strategic', { spec: { template: { spec: { containers: [{ name: 'demo-app', image: `${REPO}:1.0.6-missing` }] } } } });
    await sim.waitFor(() => sim.store.select('pods', { namespace: 'staging' }).some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'), { description: 'ImagePullBackOff' });
    const before = prodFile();
    const refused = await runCli(['promote', '--from', 'staging', '--to', 'prod', '--yes', '--no-push', '--kubeconfig', s.kubeconfig], work);
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /^error: staging is not healthy \(ImagePullBackOff on pod /m);
    assert.match(refused.err, /^hint: .*--force/m);
    assert.equal(prodFile(), before, 'prod untouched');
    const forced = await runCli(['promote', '--from', 'staging', '--to', 'prod', '--yes', '--no-push', '--force'], work);
    assert.equal(forced.code, 0, forced.err);
    assert.match(prodFile(), /tag: "1\.0\.6-missing"/);
  });

  test('a cluster that cannot be asked does not vouch for the promotion', async () => {
    const health = await rolloutHealth(s.session, { context: 'kubesim', namespace: 'staging', workload: { kind: 'deployment', name: 'gone' } }, undefined);
    assert.deepEqual(health, { healthy: false, reason: 'deployment/gone does not exist in namespace staging (context "kubesim")' });
  });
});
