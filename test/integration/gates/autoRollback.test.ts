/**
 * `onFailure: rollback` end to end through the core the editor uses (src/vscode/deploy/autoRollback.ts runs
 * exactly these steps): a tag that cannot run is deployed and pushed, the Argo-CD-like agent syncs it and the
 * rollout fails on the Kubernetes simulator, the rollback decision says revert that commit, and the rollback
 * is pushed — although a colleague's later commit changed the very line the deploy changed, so `git revert`
 * conflicts. The product's rule: the revert is abandoned (nothing half-reverted is left behind) and the file
 * is edited back to the previous image instead, keeping the colleague's change; the environment ends healthy
 * on the previous version. A rollback that fails too stops and reports; it is never rolled back again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import type { Environment, Project } from '../../../src/core/config/model';
import { decideAutoRollback } from '../../../src/core/gates/autoRollback';
import { rollback, rollbackTarget, setImage, type OperationContext, type OperationResult } from '../../../src/core/gitops/operations';
import { configuredTarget } from '../../../src/core/kube/environmentWatch';
import { watchRollout, type RolloutProgress } from '../../../src/core/kube/watchRollout';
import { nullLogger } from '../../../src/core/log';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import { createApplication, createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { startArgoAgent, type ArgoAgent } from '../../support/sandbox/agent';
import { simSession, type SimSession } from '../kube/harness';

const REPO = 'registry.example.com/demo-app';
const FILE = 'envs/staging/values.yaml';

describe('onFailure: rollback on a cluster, when the revert conflicts', () => {
  let sim: KubeSim;
  let s: SimSession;
  let fx: GitFixture;
  let work: string;
  let colleague: string;
  let agent: ArgoAgent;
  let project: Project;
  let env: Environment;
  let ctx: OperationContext;

  before(async () => {
    sim = await startKubeSim({ imageExists: (image) => !image.includes('missing') });
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', container: 'demo-app', replicas: 2, image: `${REPO}:1.0.4` });
    s = simSession(sim, { context: 'kubesim' });
    fx = gitFixture(
      {
        'gitops-pilot.yaml': `gitops:\n  repo: .\n  branch: main\nenvironments:
  - name: staging
    file: ${FILE}
    cluster: { context: kubesim, namespace: staging }
    workload: deployment/demo-app
    argocd: { application: demo-app-staging, namespace: argocd }
    onFailure: rollback
`,
        [FILE]: `image:\n  repository: ${REPO}\n  tag: "1.0.4"\nreplicaCount: 2\n`,
      },
      2,
    );
    work = fx.clones[0]!;
    colleague = fx.clones[1]!;
    createApplication(sim, {
      name: 'demo-app-staging',
      destinationNamespace: 'staging',
      repoURL: `file://${fx.bare}`,
      path: 'envs/staging',
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'staging', name: 'demo-app' }],
      sync: { status: 'Synced', revision: git(work, 'rev-parse', 'HEAD') },
    });
    agent = startArgoAgent(sim, fx.bare, [{ env: 'staging', namespace: 'staging', application: 'demo-app-staging', file: FILE, deployment: 'demo-app', container: 'demo-app', autoSync: true }], { pollMs: 200 });
    project = (await loadProject(work))!;
    env = project.environments.find((e) => e.id === 'staging')!;
    assert.equal(env.onFailure, 'rollback');
    ctx = { project, git: { log: nullLogger }, push: 'direct' };
  });
  after(async () => {
    agent.stop();
    await s.close();
    await sim.close();
    fx.cleanup();
  });

  const watch = (r: OperationResult): Promise<RolloutProgress> => watchRollout(s.session, configuredTarget(r.env)!, { expect: r.after, timeoutMs: 60_000 });

  test('the failed deploy ends on the previous version: the revert conflicts, so the file is edited back', async () => {
    const deployed = await setImage(ctx, { env, tag: '1.0.9-missing' });
    assert.equal(deployed.status, 'pushed');
    // a colleague annotates the very line the deploy changed (not a deployment: the image stays the same)
    git(colleague, 'pull', '-q', '--ff-only');
    const theirs = join(colleague, FILE);
    writeFileSync(theirs, readFileSync(theirs, 'utf8').replace('tag: "1.0.9-missing"', 'tag: "1.0.9-missing" # INC-4711: crashes on start'));
    git(colleague, 'commit', '-q', '-am', 'staging: note the incident on the tag');
    git(colleague, 'push', '-q', 'origin', 'main');

    const failed = await watch(deployed);
    assert.equal(failed.state, 'failed', failed.message);
    assert.match(failed.message, /ImagePullBackOff|ErrImagePull/);

    // what the editor does after the watch: the decision is the core's
    const last = (await rollbackTarget(ctx, { env })).record.sha;
    const decision = decideAutoRollback(deployed, failed, last);
    assert.deepEqual(decision, { act: true, revert: deployed.commit });

    // the revert of the deploy commit cannot apply on top of the colleague's commit: git itself says so
    const probe = fx.clone('probe');
    assert.throws(() => git(probe, 'revert', '--no-commit', deployed.commit!), /conflict/i);
    git(probe, 'revert', '--abort');

    const back = await rollback(ctx, { env, confirmed: true });
    assert.equal(back.status, 'pushed');
    assert.equal(back.after.tag, '1.0.4');
    // one new commit on the remote, the rollback's, naming the commit it undoes
    assert.deepEqual(fx.remoteSubjects().slice(-3), ['deploy(staging): demo-app 1.0.4 -> 1.0.9-missing', 'staging: note the incident on the tag', 'rollback(staging): demo-app 1.0.9-missing -> 1.0.4']);
    assert.match(git(fx.bare, 'log', '-1', '--format=%b', 'main'), new RegExp(`^Reverts: ${deployed.commit}$`, 'm'));
    // only the tag went back; the colleague's note is kept; no conflict markers, no revert left in progress
    assert.equal(fx.remoteFile(FILE), `image:\n  repository: ${REPO}\n  tag: "1.0.4" # INC-4711: crashes on start\nreplicaCount: 2`);
    assert.equal(git(work, 'status', '--porcelain'), '');
    assert.equal(existsSync(join(work, '.git', 'REVERT_HEAD')), false);

    // nobody acts: Argo CD syncs the rollback and staging is healthy on the previous version
    const healthy = await watch(back);
    assert.equal(healthy.state, 'done', healthy.message);
    const d = sim.store.get('deployments', 'staging', 'demo-app');
    assert.equal(d.spec.template.spec.containers[0].image, `${REPO}:1.0.4`);

    // had the rollback's own rollout failed, it would stop and report, never roll back again
    const again = decideAutoRollback(back, { ...failed }, back.commit);
    assert.equal(again.act, false);
    assert.match(String(!again.act && again.report?.message), /the automatic rollback \(\w{7}\) failed too .*not rolling back again/);
  });
});
