/**
 * The cluster side of the many-apps extension-host runs (apps, releasePr): for each app a rolled-out
 * Deployment running what the environment's file declares and an Argo CD Application, the sandbox's
 * Argo-CD-like agent auto-syncing them from the bare remote, and a kubeconfig for the extension.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApplication, createRolledOutDeployment, type KubeSim } from '../support/kubesim';
import { startArgoAgent } from '../support/sandbox/agent';
import { git } from './fixtureGit';

/** Sets `env`'s apps up on `sim` (namespace = env, Application `<app>-<env>`); returns the kubeconfig and what tears it down. */
export function appsOnCluster(sim: KubeSim, o: { workspace: string; bare: string; env: string; apps: readonly string[] }): { kubeconfig: string; cleanups: (() => unknown)[] } {
  const { workspace, bare, env, apps } = o;
  const head = git(workspace, 'rev-parse', 'HEAD');
  for (const app of apps) {
    const tag = /tag: "([^"]+)"/.exec(readFileSync(join(workspace, `envs/${env}/${app}.yaml`), 'utf8'))![1]!;
    createRolledOutDeployment(sim, { namespace: env, name: app, container: app, replicas: 2, image: `127.0.0.1:5000/${app}:${tag}` });
    createApplication(sim, {
      name: `${app}-${env}`,
      destinationNamespace: env,
      repoURL: `file://${bare}`,
      path: `envs/${env}`,
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: env, name: app }],
      sync: { status: 'Synced', revision: head },
    });
  }
  const agent = startArgoAgent(
    sim,
    bare,
    apps.map((app) => ({ env, namespace: env, application: `${app}-${env}`, file: `envs/${env}/${app}.yaml`, deployment: app, container: app, autoSync: true })),
    { pollMs: 200 },
  );
  const kubeconfig = `${workspace}-kubeconfig`;
  sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
  return { kubeconfig, cleanups: [() => agent.stop(), () => rmSync(kubeconfig, { force: true })] };
}
