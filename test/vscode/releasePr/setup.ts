/**
 * The `releasePr` extension-host run (registered in ../launch.ts): issue 15's release × issue 17's pull requests.
 * The many-apps fixture (api, web, worker × dev/staging/prod, an apps: template) as a git clone of a bare
 * remote; the GitHub emulator serves that bare repository as acme/gitops; prod changes only through pull
 * requests and runs on the Kubernetes simulator (a Deployment and an Argo CD Application per app, the sandbox's
 * Argo-CD-like agent auto-syncing prod from the bare main), so a merged release reaches the cluster as it does
 * for real and the status bar follows it. staging's api is moved to 1.1.0 first, so two apps (api, web) differ
 * from prod. The extension gets no token: the suite sets one with "Set Pull Request Token…".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubEmulator } from '../../support/github/emulator';
import { startKubeSim } from '../../support/kubesim';
import { appsOnCluster } from '../appsCluster';
import { bareRemote, type SuiteRun } from '../launch';
import { git } from '../fixtureGit';

export const RELEASE_APPS = ['api', 'web', 'worker'] as const;
export const RELEASE_PILOT_TOKEN = 'ghp_releasePilotSecret0123456789abcd';

function config(api: string): string {
  return `gitops:
  repo: .
  branch: main
  pullRequests: { provider: github, api: "${api}", repository: acme/gitops }
apps:
${RELEASE_APPS.map((a) => `  - { name: ${a}, image: 127.0.0.1:5000/${a} }`).join('\n')}
environments:
  - name: dev
    file: envs/dev/{app}.yaml
  - name: staging
    file: envs/staging/{app}.yaml
    promoteFrom: dev
  - name: prod
    file: envs/prod/{app}.yaml
    promoteFrom: staging
    pushMode: pull-request
    cluster: { context: kubesim, namespace: prod }
    workload: deployment/{app}
    argocd: { application: "{app}-prod", namespace: argocd }
`;
}

export const releasePrRun: SuiteRun = {
  name: 'releasePr',
  suite: 'releasePr',
  git: true,
  async setup({ workspace }) {
    const cleanups: (() => unknown)[] = [];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      const remote = bareRemote(workspace);
      cleanups.push(() => remote.teardown?.());
      const bare = remote.env!.GITOPS_PILOT_TEST_REMOTE!;
      const gh = await startGitHubEmulator({ repos: { 'acme/gitops': bare }, users: [{ login: 'pilot', token: RELEASE_PILOT_TOKEN }] });
      cleanups.push(() => gh.close());
      const sim = await startKubeSim({ timings: { readyMs: 300 } });
      cleanups.push(() => sim.close());
      writeFileSync(join(workspace, 'gitops-pilot.yaml'), config(gh.api));
      const stagingApi = join(workspace, 'envs/staging/api.yaml');
      writeFileSync(stagingApi, readFileSync(stagingApi, 'utf8').replace(/tag: "[^"]+"/, 'tag: "1.1.0"'));
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'gitops-pilot.yaml: three apps, prod through pull requests; staging api 1.1.0');
      git(workspace, 'push', '-q', 'origin', 'main');
      const cluster = appsOnCluster(sim, { workspace, bare, env: 'prod', apps: RELEASE_APPS });
      cleanups.push(...cluster.cleanups);
      const kubeconfig = cluster.kubeconfig;
      return {
        env: { ...remote.env!, GITOPS_PILOT_TEST_GITHUB_API: gh.api, GITOPS_PILOT_TEST_GITHUB_HOST: gh.host },
        userSettings: { 'gitopsPilot.gitops.confirmDeployments': false, 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig], 'gitopsPilot.rollout.timeout': '90s' },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
