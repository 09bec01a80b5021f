/**
 * The `apps` extension-host run (registered in ../launch.ts): the many-apps fixture (three apps × dev/staging/prod,
 * `envs/<env>/<app>.yaml`) as a git clone of a bare remote, with a gitops-pilot.yaml `apps:` template saying
 * where staging runs: the Kubernetes simulator with a Deployment and an Argo CD Application per app, and the
 * sandbox's Argo-CD-like agent auto-syncing staging from the bare remote — so a release promoted in the editor
 * reaches the cluster as it does for real, and the status bar follows it. Images whose tag contains `missing`
 * cannot be pulled (ImagePullBackOff); staging rolls back an app whose rollout fails (onFailure: rollback).
 * prod (protected) runs nowhere known.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKubeSim } from '../../support/kubesim';
import { appsOnCluster } from '../appsCluster';
import { bareRemote, type SuiteRun } from '../launch';
import { git } from '../fixtureGit';

export const APPS = ['api', 'web', 'worker'] as const;

const CONFIG = `gitops:
  repo: .
  branch: main
apps:
${APPS.map((a) => `  - { name: ${a}, image: 127.0.0.1:5000/${a} }`).join('\n')}
environments:
  - name: dev
    file: envs/dev/{app}.yaml
  - name: staging
    file: envs/staging/{app}.yaml
    promoteFrom: dev
    cluster: { context: kubesim, namespace: staging }
    workload: deployment/{app}
    argocd: { application: "{app}-staging", namespace: argocd }
    onFailure: rollback
  - name: prod
    file: envs/prod/{app}.yaml
    promoteFrom: staging
    protected: true
`;

export const appsRun: SuiteRun = {
  name: 'apps',
  suite: 'apps',
  git: true,
  async setup({ workspace }) {
    // pods take a moment to become ready, so a release is seen rolling out (`staging 0/2`) before done
    const sim = await startKubeSim({ timings: { readyMs: 300 }, imageExists: (image) => !image.includes('missing') });
    const cleanups: (() => unknown)[] = [() => sim.close()];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      writeFileSync(join(workspace, 'gitops-pilot.yaml'), CONFIG);
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'gitops-pilot.yaml: three apps, staging runs on the cluster');
      const remote = bareRemote(workspace);
      cleanups.push(() => remote.teardown?.());
      const bare = remote.env!.GITOPS_PILOT_TEST_REMOTE!;
      const cluster = appsOnCluster(sim, { workspace, bare, env: 'staging', apps: APPS });
      cleanups.push(...cluster.cleanups);
      const kubeconfig = cluster.kubeconfig;
      return {
        env: remote.env!,
        userSettings: { 'gitopsPilot.gitops.confirmDeployments': false, 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig], 'gitopsPilot.rollout.timeout': '90s' },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
