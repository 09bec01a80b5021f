/**
 * Push → Argo CD sync started: `gitops-pilot bump` (which asks the Application to refresh after its push)
 * against what a user gets with a plain `git push` while Argo CD polls with its defaults
 * (`timeout.reconciliation` 120 s + up to 60 s of jitter). Same simulator, same repository, same agent.
 * The poll side is one sample: it takes two to three minutes by design.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { gitEnv, gitFixture } from '../support/gitRepos';
import { createApplication, createRolledOutDeployment, startKubeSim } from '../support/kubesim';
import { startArgoAgent } from '../support/sandbox/agent';
import { median, type Results } from './results';

const REPO = 'registry.example.com/demo-app';
const values = (tag: string) => `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`;

export async function benchArgo(r: Results): Promise<void> {
  const sim = await startKubeSim();
  const fx = gitFixture({
    'gitops-pilot.yaml': 'gitops:\n  repo: .\n  branch: main\nenvironments:\n  - name: prod\n    file: envs/prod/values.yaml\n    cluster: { context: kubesim, namespace: prod }\n    workload: deployment/demo-app\n    argocd: { application: demo-app-prod, namespace: argocd }\n',
    'envs/prod/values.yaml': values('1.0.0'),
  });
  const work = fx.clones[0]!;
  const kubeconfig = join(fx.root, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
  createRolledOutDeployment(sim, { namespace: 'prod', name: 'demo-app', replicas: 2, image: `${REPO}:1.0.0` });
  createApplication(sim, { name: 'demo-app-prod', destinationNamespace: 'prod', resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'demo-app' }] });
  // Argo CD's defaults: nothing shortened
  const agent = startArgoAgent(sim, fx.bare, [{ env: 'prod', namespace: 'prod', application: 'demo-app-prod', file: 'envs/prod/values.yaml', deployment: 'demo-app', container: 'demo-app', autoSync: true }]);
  await agent.poll();
  const synced = (tag: string, timeoutMs: number) =>
    sim.waitFor(() => sim.store.get('deployments', 'prod', 'demo-app').spec.template.spec.containers[0].image === `${REPO}:${tag}` || undefined, { timeoutMs, description: `prod synced to ${tag}` });
  try {
    const withRefresh: number[] = [];
    const afterRefresh: number[] = [];
    // when the refresh request reached the cluster (the annotation written)
    let refreshedAt = 0;
    const off = sim.onChange((ev) => {
      if (ev.rt.resource === 'applications' && ev.object.metadata.annotations?.['argocd.argoproj.io/refresh'] && !refreshedAt) refreshedAt = performance.now();
    });
    for (let i = 1; i <= 5; i++) {
      const tag = `1.1.${i}`;
      refreshedAt = 0;
      const t0 = performance.now();
      const b = await runCli(['bump', '--env', 'prod', '--tag', tag, '--kubeconfig', kubeconfig], work);
      if (b.code !== 0) throw new Error(`bump failed: ${b.err}`);
      await synced(tag, 20_000);
      const t1 = performance.now();
      withRefresh.push(t1 - t0);
      if (refreshedAt) afterRefresh.push(t1 - refreshedAt);
    }
    off();
    // what a user gets without the refresh: edit, commit, push, and wait for Argo CD's next poll
    const t0 = performance.now();
    const file = join(work, 'envs/prod/values.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/tag: "[^"]*"/, 'tag: "1.2.0"'));
    execFileSync('git', ['commit', '-qam', 'deploy 1.2.0'], { cwd: work, env: gitEnv });
    execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: work, env: gitEnv });
    await synced('1.2.0', 200_000);
    const poll = performance.now() - t0;
    r.add({ name: 'argo/refresh requested → sync started (the agent compares with git at once), median of 5', value: Math.round(median(afterRefresh)), unit: 'ms' });
    r.add({ name: 'argo/bump + push → sync started: gitops-pilot bump (refresh after the push), median of 5', value: Math.round(median(withRefresh)), unit: 'ms', peer: 'git push, Argo CD polling (120 s + ≤ 60 s jitter), 1 sample', peerValue: Math.round(poll), target: '< 5 s' });
  } finally {
    agent.stop();
    await sim.close();
    fx.cleanup();
  }
}
