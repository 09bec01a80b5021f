/**
 * The `rollout` extension-host run (registered in ../launch.ts): the Kubernetes simulator with dev and
 * staging running demo-app, an Argo CD Application per environment and the sandbox's Argo-CD-like agent
 * watching the workspace's bare remote, so a deployment made in the editor reaches the cluster the way
 * it does for real (push → agent sees the commit → syncs the Deployment → pods roll). Images whose tag
 * contains `missing` cannot be pulled (ImagePullBackOff). The extension host gets the kubeconfig through
 * the user setting, as a user would configure it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createApplication, createRolledOutDeployment, startKubeSim } from '../../support/kubesim';
import { startArgoAgent } from '../../support/sandbox/agent';
import type { SuiteRun } from '../launch';
import { GIT_IDENTITY, git } from '../fixtureGit';

const REPOSITORY = '127.0.0.1:5000/demo-app';

export const rolloutRun: SuiteRun = {
  name: 'rollout',
  suite: 'rollout',
  git: true,
  async setup({ workspace }) {
    // pods take a visible moment to become ready, so "progressing 1/2" can be seen before "done"
    const sim = await startKubeSim({ timings: { readyMs: 400 }, imageExists: (image) => !image.includes('missing') });
    const cleanups: (() => unknown)[] = [() => sim.close()];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      writeFileSync(
        join(workspace, 'gitops-pilot.yaml'),
        `gitops:
  repo: .
  branch: main
environments:
  - name: dev
    file: envs/dev/values.yaml
    cluster: { context: kubesim, namespace: dev }
    workload: deployment/demo-app
    argocd: { application: demo-app-dev, namespace: argocd }
  - name: staging
    file: envs/staging/values.yaml
    promoteFrom: dev
    cluster: { context: kubesim, namespace: staging }
    workload: deployment/demo-app
    argocd: { application: demo-app-staging, namespace: argocd }
    onFailure: rollback
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    protected: true
`,
      );
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'gitops-pilot.yaml: where dev and staging run');
      const bare = `${workspace}-remote.git`;
      git(dirname(bare), 'init', '-q', '--bare', '-b', 'main', bare);
      git(workspace, 'remote', 'add', 'origin', bare);
      git(workspace, 'push', '-q', '-u', 'origin', 'main');
      cleanups.push(() => rmSync(bare, { recursive: true, force: true }));
      const head = git(workspace, 'rev-parse', 'HEAD');
      for (const [env, tag] of [
        ['dev', '1.0.5'],
        ['staging', '1.0.4'],
      ] as const) {
        createRolledOutDeployment(sim, { namespace: env, name: 'demo-app', container: 'demo-app', replicas: 2, image: `${REPOSITORY}:${tag}` });
        createApplication(sim, {
          name: `demo-app-${env}`,
          destinationNamespace: env,
          repoURL: `file://${bare}`,
          path: `envs/${env}`,
          resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: env, name: 'demo-app' }],
          sync: { status: 'Synced', revision: head },
        });
      }
      const apps = (['dev', 'staging'] as const).map((env) => ({ env, namespace: env, application: `demo-app-${env}`, file: `envs/${env}/values.yaml`, deployment: 'demo-app', container: 'demo-app', autoSync: true }));
      const agent = startArgoAgent(sim, bare, apps, { pollMs: 200 });
      cleanups.push(() => agent.stop());
      const kubeconfig = `${workspace}-kubeconfig`;
      sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
      cleanups.push(() => rmSync(kubeconfig, { force: true }));
      return {
        env: { ...GIT_IDENTITY, GITOPS_PILOT_TEST_REMOTE: bare },
        userSettings: { 'gitopsPilot.gitops.confirmDeployments': false, 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig], 'gitopsPilot.rollout.timeout': '90s' },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
