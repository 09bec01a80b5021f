/**
 * `gitops-pilot gates` and `promote` against the Kubernetes simulator and real git: soak measured from the
 * cluster's own timestamps (the Deployment's completion condition), a freeze window, an override recorded
 * as a Gate-Override trailer, and the Argo CD refresh after the push that makes the sandbox's agent sync at
 * once although its poll is ten minutes long.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';
import { createApplication, createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { startArgoAgent, type ArgoAgent } from '../../support/sandbox/agent';
import { runCli } from '../../support/cli';
import { simSession, type SimSession } from '../kube/harness';

const REPO = 'registry.example.com/demo-app';
const values = (tag: string) => `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('gates in the CLI, on a cluster', () => {
  let sim: KubeSim;
  let s: SimSession;
  let fx: GitFixture;
  let work: string;
  let agent: ArgoAgent;

  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'staging', name: 'demo-app', replicas: 2, image: `${REPO}:1.0.4` });
    createRolledOutDeployment(sim, { namespace: 'prod', name: 'demo-app', replicas: 2, image: `${REPO}:1.0.3` });
    s = simSession(sim, { context: 'kubesim' });
    fx = gitFixture({
      'gitops-pilot.yaml': `gitops:\n  repo: .\n  branch: main\nenvironments:
  - name: staging
    file: envs/staging/values.yaml
    cluster: { context: kubesim, namespace: staging }
    workload: deployment/demo-app
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    protected: true
    cluster: { context: kubesim, namespace: prod }
    workload: deployment/demo-app
    argocd: { application: demo-app-prod, namespace: argocd }
    gates:
      soak: 30m
  - name: prod-eu
    file: envs/prod-eu/values.yaml
    promoteFrom: staging
    gates:
      soak: 0
      freeze:
        - dates: { from: "${day(-1)}", to: "${day(1)}" }
          timeZone: UTC
          reason: year-end freeze
`,
      'envs/staging/values.yaml': values('1.0.4'),
      'envs/prod/values.yaml': values('1.0.3'),
      'envs/prod-eu/values.yaml': values('1.0.3'),
    });
    work = fx.clones[0]!;
    const head = git(work, 'rev-parse', 'HEAD');
    createApplication(sim, { name: 'demo-app-prod', destinationNamespace: 'prod', resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'demo-app' }], sync: { status: 'Synced', revision: head } });
    // Argo CD would only look again in ten minutes: only the refresh can make it sync within this test
    agent = startArgoAgent(sim, fx.bare, [{ env: 'prod', namespace: 'prod', application: 'demo-app-prod', file: 'envs/prod/values.yaml', deployment: 'demo-app', container: 'demo-app', autoSync: true }], { pollMs: 600_000 });
    await agent.poll();
  });
  after(async () => {
    agent.stop();
    await s.close();
    await sim.close();
    fx.cleanup();
  });

  /** The cluster says staging finished rolling out `minutes` ago (what a real controller records). */
  function completedAgo(minutes: number): void {
    const d = sim.store.get('deployments', 'staging', 'demo-app');
    const t = new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    d.status.conditions = d.status.conditions.map((c: { type: string }) => (c.type === 'Progressing' ? { ...c, lastUpdateTime: t } : c));
    sim.store.update('deployments', 'staging', 'demo-app', d, { subresource: 'status' });
  }

  const cli = (...args: string[]) => runCli([...args, '--kubeconfig', s.kubeconfig], work);
  const prodFile = () => readFileSync(join(work, 'envs/prod/values.yaml'), 'utf8');

  test('soaking: exit 1 with "soak 12m/30m"; exit 0 and "ready · staging healthy 42m" once the cluster says so', async () => {
    completedAgo(12);
    const soaking = await cli('gates', '--to', 'prod');
    assert.equal(soaking.code, 1, soaking.err);
    assert.match(soaking.out, /^prod ← staging: soak 12m\/30m$/m);
    assert.match(soaking.out, /^ {2}soak +pending +soak 12m\/30m$/m);
    completedAgo(42);
    const ready = await cli('gates', '--to', 'prod', '--json');
    assert.equal(ready.code, 0, ready.err);
    const d = JSON.parse(ready.out);
    assert.equal(d.promotable, true);
    assert.equal(d.summary, 'ready · staging healthy 42m');
    assert.deepEqual(d.gates.map((g: { gate: string; status: string }) => `${g.gate}:${g.status}`), ['soak:pass', 'healthUrl:skipped', 'analysis:skipped', 'approval:pass']);
  });

  test('a freeze window blocks until its end, in its zone', async () => {
    const r = await cli('gates', '--to', 'prod-eu', '--json');
    assert.equal(r.code, 1, r.err);
    const d = JSON.parse(r.out);
    assert.equal(d.blocking.gate, 'freeze');
    assert.equal(d.blocking.until, `${day(2)}T00:00:00.000Z`);
    assert.match(d.summary, /^blocked · frozen until \w{3} (\d{4}-\d{2}-\d{2} )?00:00 UTC \(year-end freeze\)$/);
  });

  test('promote names the gate and writes nothing; --override-gate records why, and Argo CD syncs at once', async () => {
    completedAgo(5);
    const before = prodFile();
    const refused = await cli('promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /^error: prod cannot be promoted into now: gate soak: soak 5m\/30m$/m);
    assert.match(refused.err, /^hint: It passes by itself at .*--override-gate REASON/m);
    assert.equal(prodFile(), before);
    const badReason = await cli('promote', '--from', 'staging', '--to', 'prod', '--yes', '--override-gate', ' ');
    assert.equal(badReason.code, 2);
    assert.match(badReason.err, /an override needs a reason/);

    const r = await cli('promote', '--from', 'staging', '--to', 'prod', '--yes', '--override-gate', 'hotfix for INC-7, approved by Dana');
    assert.equal(r.code, 0, r.err);
    assert.match(fx.remoteFile('envs/prod/values.yaml'), /tag: "1\.0\.4"/);
    const body = git(fx.bare, 'log', '-1', '--format=%B', 'main');
    assert.match(body, /^Gate-Override: soak: hotfix for INC-7, approved by Dana$/m);
    assert.match(body, /^Promoted-From: staging$/m);
    // the refresh: the agent compares with git now, auto-syncs, and the annotation is gone afterwards
    await sim.waitFor(() => sim.store.get('deployments', 'prod', 'demo-app').spec.template.spec.containers[0].image === `${REPO}:1.0.4`, { timeoutMs: 15_000, description: 'prod synced to 1.0.4' });
    const app = await sim.waitFor(() => {
      const a = sim.store.get('applications', 'argocd', 'demo-app-prod');
      return !a.metadata.annotations?.['argocd.argoproj.io/refresh'] && a.status?.reconciledAt ? a : undefined;
    }, { description: 'refresh annotation removed' });
    assert.equal(app.status.operationState.phase, 'Succeeded');
  });

  test('bad input exits 2', async () => {
    const unknown = await cli('gates', '--to', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--to "nope": no such environment/);
    const force = await cli('promote', '--from', 'staging', '--to', 'prod', '--yes', '--force');
    assert.equal(force.code, 2);
    assert.match(force.err, /--force does not skip the gates of prod/);
  });
});
