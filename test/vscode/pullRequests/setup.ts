/**
 * The `pullRequests` extension-host run (registered in ../launch.ts): the workspace is a git clone whose
 * origin is a bare repository; the GitHub emulator serves that bare repository as acme/gitops (plain http on
 * loopback, as GitHub Enterprise at /api/v3); prod changes only through pull requests. The Kubernetes simulator
 * runs prod with an Argo-CD-like agent watching the bare repository's main, so a merge reaches the cluster the
 * way it does for real and the rollout watch after the merge can be seen. The extension gets no token: the
 * suite sets one with "Set Pull Request Token…", as a user does.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startGitHubEmulator } from '../../support/github/emulator';
import { createApplication, createRolledOutDeployment, startKubeSim } from '../../support/kubesim';
import { startArgoAgent } from '../../support/sandbox/agent';
import type { SuiteRun } from '../launch';
import { GIT_IDENTITY, git } from '../fixtureGit';

export const PILOT_TOKEN = 'ghp_vscodePilotSecret0123456789abcdef';
export const REVIEWER_TOKEN = 'ghp_vscodeReviewSecret0123456789abcde';

export const pullRequestsRun: SuiteRun = {
  name: 'pullRequests',
  suite: 'pullRequests',
  git: true,
  async setup({ workspace }) {
    const cleanups: (() => unknown)[] = [];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      const bare = `${workspace}-remote.git`;
      git(dirname(bare), 'init', '-q', '--bare', '-b', 'main', bare);
      cleanups.push(() => rmSync(bare, { recursive: true, force: true }));
      const gh = await startGitHubEmulator({ repos: { 'acme/gitops': bare }, users: [{ login: 'pilot', token: PILOT_TOKEN }, { login: 'alice', token: REVIEWER_TOKEN }], requireApproval: true });
      cleanups.push(() => gh.close());
      const sim = await startKubeSim({ timings: { readyMs: 300 } });
      cleanups.push(() => sim.close());
      writeFileSync(
        join(workspace, 'gitops-pilot.yaml'),
        `gitops:
  repo: .
  branch: main
  pullRequests: { provider: github, api: "${gh.api}", repository: acme/gitops }
environments:
  - name: dev
    file: envs/dev/values.yaml
  - name: staging
    file: envs/staging/values.yaml
    promoteFrom: dev
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    pushMode: pull-request
    cluster: { context: kubesim, namespace: prod }
    workload: deployment/demo-app
    argocd: { application: demo-app-prod, namespace: argocd }
`,
      );
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'gitops-pilot.yaml: prod through pull requests');
      git(workspace, 'remote', 'add', 'origin', bare);
      git(workspace, 'push', '-q', '-u', 'origin', 'main');
      const head = git(workspace, 'rev-parse', 'HEAD');
      createRolledOutDeployment(sim, { namespace: 'prod', name: 'demo-app', container: 'demo-app', replicas: 2, image: '127.0.0.1:5000/demo-app:1.0.3' });
      createApplication(sim, {
        name: 'demo-app-prod',
        destinationNamespace: 'prod',
        repoURL: `file://${bare}`,
        path: 'envs/prod',
        resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'demo-app' }],
        sync: { status: 'Synced', revision: head },
      });
      const agent = startArgoAgent(sim, bare, [{ env: 'prod', namespace: 'prod', application: 'demo-app-prod', file: 'envs/prod/values.yaml', deployment: 'demo-app', container: 'demo-app', autoSync: true }], { pollMs: 200 });
      cleanups.push(() => agent.stop());
      const kubeconfig = `${workspace}-kubeconfig`;
      sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
      cleanups.push(() => rmSync(kubeconfig, { force: true }));
      return {
        env: { ...GIT_IDENTITY, GITOPS_PILOT_TEST_REMOTE: bare, GITOPS_PILOT_TEST_GITHUB_API: gh.api, GITOPS_PILOT_TEST_GITHUB_HOST: gh.host },
        userSettings: { 'gitopsPilot.gitops.confirmDeployments': false, 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig], 'gitopsPilot.rollout.timeout': '90s' },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
