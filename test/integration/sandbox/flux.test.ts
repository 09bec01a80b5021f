/**
 * `npm start -- --flux`: the sandbox with Flux instead of Argo CD. Its gitops-pilot.yaml names a HelmRelease
 * per environment, the simulator runs a GitRepository on the bare GitOps repository and the HelmReleases,
 * and the CLI's loop works on it: `bump --env dev` pushes and asks Flux to reconcile (source first), the
 * helm-controller installs the new image into dev, and `rollout-status --env dev --watch` exits 0.
 * The source's interval is real time here (1m0s): only the reconcile request brings the commit in quickly,
 * and the GitRepository's `lastHandledReconcileAt` shows that the request was what Flux handled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../support/cli';
import { RegistryClient, pushSyntheticImage } from '../../support/registryClient';
import { APP, FLUX_SOURCE, fluxRelease, git } from '../../support/sandbox/layout';
import { startSandbox, type Sandbox } from '../../support/sandbox/sandbox';

describe('the Flux sandbox (npm start -- --flux)', () => {
  let tmp: string;
  let sandbox: Sandbox;
  const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ...sandbox.env });
  const cli = (...args: string[]) => runCli(args, sandbox.layout.appRepo, env());
  const image = () => sandbox.sim.store.get('deployments', 'dev', APP).spec.template.spec.containers[0].image as string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gp-flux-sandbox-'));
    // pods in milliseconds, but Flux's intervals in real time: the GitRepository would fetch again only in a minute
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), speed: 'fast', timings: { timeFactor: 1 }, docker: false, engine: 'flux' });
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the layout names Flux objects, not Argo CD Applications, and Flux installed every environment', async () => {
    assert.equal(sandbox.engine, 'flux');
    assert.equal(sandbox.agent, undefined);
    const config = readFileSync(join(sandbox.layout.appRepo, 'gitops-pilot.yaml'), 'utf8');
    assert.match(config, /^ {4}flux: \{ helmRelease: demo-app-dev, namespace: flux-system \}$/m);
    assert.doesNotMatch(config, /argocd:/);
    assert.equal(sandbox.sim.store.select('applications').length, 0);
    for (const e of ['dev', 'staging', 'prod']) {
      const hr = await sandbox.sim.waitFor(() => {
        const o = sandbox.sim.store.tryGet('helmreleases', 'flux-system', fluxRelease(e));
        return o?.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? o : undefined;
      }, { timeoutMs: 30_000, description: `HelmRelease ${fluxRelease(e)} Ready` });
      assert.equal(hr.status.history[0].status, 'deployed');
      assert.equal(hr.status.history[0].namespace, e);
    }
    const src = sandbox.sim.store.get('gitrepositories', 'flux-system', FLUX_SOURCE);
    assert.equal(src.status.artifact.revision, `main@sha1:${readHead(sandbox)}`);
  });

  test('bump --env dev: Flux reconciles at the request and installs the new image; rollout-status --watch exits 0', async () => {
    const ecr = sandbox.ecr;
    assert.ok(ecr, 'the sandbox has a registry (docker-registry is installed)');
    const registry = new RegistryClient({ url: ecr.registry.url, username: ecr.registry.username, password: ecr.registry.password });
    await pushSyntheticImage(registry, APP, ['1.0.1'], { seed: `${APP}-1.0.1` });
    const handledBefore = sandbox.sim.store.get('gitrepositories', 'flux-system', FLUX_SOURCE).status?.lastHandledReconcileAt;

    const bump = await cli('bump', '--env', 'dev', '--tag', '1.0.1');
    assert.equal(bump.code, 0, bump.err);
    const head = readHead(sandbox);
    assert.match(readFileSync(join(sandbox.layout.gitopsClone, 'envs/dev/values.yaml'), 'utf8'), /tag: "1\.0\.1"/);

    // the request (not the one-minute interval) brought the commit: the source handled a new requestedAt
    const src = sandbox.sim.store.get('gitrepositories', 'flux-system', FLUX_SOURCE);
    assert.ok(src.status.lastHandledReconcileAt && src.status.lastHandledReconcileAt !== handledBefore, 'the GitRepository handled the reconcile request');
    assert.equal(src.status.artifact.revision, `main@sha1:${head}`);

    await sandbox.sim.waitFor(() => image() === `${sandbox.repository}:1.0.1`, { timeoutMs: 30_000, description: 'dev runs 1.0.1' });
    const watch = await cli('rollout-status', '--env', 'dev', '--watch', '--timeout', '60s');
    assert.equal(watch.code, 0, `${watch.out}\n${watch.err}`);
    const hr = await sandbox.sim.waitFor(() => {
      const o = sandbox.sim.store.tryGet('helmreleases', 'flux-system', fluxRelease('dev'));
      return o?.status?.history?.[0]?.chartVersion === `0.1.0+${head.slice(0, 12)}` && o!.status.history[0].status === 'deployed' ? o : undefined;
    }, { timeoutMs: 30_000, description: 'the HelmRelease upgraded to the pushed commit' });
    assert.equal(hr.status.history[0].version, 2);
    // the other environments did not move
    assert.equal(sandbox.sim.store.get('deployments', 'staging', APP).spec.template.spec.containers[0].image, `${sandbox.repository}:1.0.0`);
  });
});

function readHead(sandbox: Sandbox): string {
  return git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'rev-parse', 'refs/heads/main');
}
