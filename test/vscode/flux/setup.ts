/**
 * The `flux` extension-host run (registered in ../launch.ts): a Flux user's cluster in the Kubernetes
 * simulator, and a workspace (the demo-gitops fixture, no gitops-pilot.yaml) that says nothing about where
 * its environments run, so Select Kubernetes Context… must find everything, the Flux object included.
 *
 *   GitRepository flux-system/gitops          the workspace's bare remote
 *   Kustomization flux-system/apps-dev        ./clusters/dev into dev: its inventory holds dev's demo-app
 *   Kustomization apps/aaa-other              ./clusters/other into dev: holds dev's *other* Deployment only
 *                                             (and sorts first: offered for demo-app, it would be the suggestion)
 *   HelmRelease   flux-system/demo-app-staging charts/demo-app with envs/staging/values.yaml into staging
 *                                             as release demo-app (no inventory: helm-controller's labels)
 *   prod                                      a Deployment and no Flux object
 *
 * The simulator's Flux controllers reconcile them from the bare remote before VS Code starts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createFluxObjects, createRolledOutDeployment, gitRepositoryManifest, helmReleaseManifest, kustomizationManifest, startKubeSim, type KubeSim } from '../../support/kubesim';
import type { SuiteRun } from '../launch';
import { GIT_IDENTITY, git } from '../fixtureGit';

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const REPOSITORY = '127.0.0.1:5000/demo-app';

function ready(sim: KubeSim, resource: 'kustomizations' | 'helmreleases', namespace: string, name: string): Promise<unknown> {
  return sim.waitFor(() => {
    const o = sim.store.tryGet(resource, namespace, name);
    return o?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? o : undefined;
  }, { timeoutMs: 60_000, description: `${resource} ${namespace}/${name} Ready` });
}

export const fluxRun: SuiteRun = {
  name: 'flux',
  suite: 'flux',
  git: true,
  async setup({ workspace }) {
    const sim = await startKubeSim({ timings: { readyMs: 200 } });
    const cleanups: (() => unknown)[] = [() => sim.close()];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      // what Flux reads from the GitOps repository besides the environments' values files
      write(join(workspace, 'clusters/dev/kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ${REPOSITORY}\n    newTag: "1.0.5"\n`);
      write(join(workspace, 'clusters/other/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: 127.0.0.1:5000/other\n    newTag: "2.0.0"\n');
      write(join(workspace, 'charts/demo-app/Chart.yaml'), 'apiVersion: v2\nname: demo-app\ntype: application\nversion: 0.1.0\nappVersion: "1.0.4"\n');
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'Flux: what the cluster reconciles');
      const bare = `${workspace}-remote.git`;
      git(dirname(bare), 'init', '-q', '--bare', '-b', 'main', bare);
      git(workspace, 'remote', 'add', 'origin', bare);
      git(workspace, 'push', '-q', '-u', 'origin', 'main');
      cleanups.push(() => rmSync(bare, { recursive: true, force: true }));

      createRolledOutDeployment(sim, { namespace: 'dev', name: 'demo-app', container: 'demo-app', replicas: 2, image: `${REPOSITORY}:1.0.5` });
      createRolledOutDeployment(sim, { namespace: 'dev', name: 'other', container: 'other', replicas: 1, image: '127.0.0.1:5000/other:2.0.0' });
      createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', container: 'demo-app', replicas: 2, image: `${REPOSITORY}:1.0.4` });
      createRolledOutDeployment(sim, { namespace: 'prod', name: 'demo-app', container: 'demo-app', replicas: 3, image: `${REPOSITORY}:1.0.3` });
      // the other namespace's Kustomization reads flux-system's source, as cross-namespace refs allow
      const other = kustomizationManifest({ name: 'aaa-other', namespace: 'apps', source: 'gitops', path: './clusters/other', targetNamespace: 'dev' });
      other.spec.sourceRef.namespace = 'flux-system';
      createFluxObjects(sim, [
        gitRepositoryManifest({ name: 'gitops', url: `file://${bare}` }),
        kustomizationManifest({ name: 'apps-dev', source: 'gitops', path: './clusters/dev', targetNamespace: 'dev' }),
        other,
        helmReleaseManifest({ name: 'demo-app-staging', source: 'gitops', chart: './charts/demo-app', valuesFiles: ['envs/staging/values.yaml'], releaseName: 'demo-app', targetNamespace: 'staging' }),
      ]);
      await Promise.all([ready(sim, 'kustomizations', 'flux-system', 'apps-dev'), ready(sim, 'kustomizations', 'apps', 'aaa-other'), ready(sim, 'helmreleases', 'flux-system', 'demo-app-staging')]);

      const kubeconfig = `${workspace}-kubeconfig`;
      sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
      cleanups.push(() => rmSync(kubeconfig, { force: true }));
      return {
        env: { ...GIT_IDENTITY, GITOPS_PILOT_TEST_REMOTE: bare },
        userSettings: { 'gitopsPilot.kubernetes.kubeconfig': [kubeconfig] },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
