/**
 * `npm start`'s sandbox has three apps (startSandbox `apps: 3`): demo-app, api and worker, each a real image in
 * the registry behind the ECR emulator (read back with the AWS CLI), a Deployment per environment in the
 * simulator (read back with kubectl), synced by the Argo-CD-like agent — or by the simulator's Flux. The GitOps
 * repository's gitops-pilot.yaml lists them under apps:, and the CLI sees what the editor's matrix shows:
 * `diff --from staging --to prod` says all three differ, `promote --all` moves them in one commit. demo-app's
 * own repository still has its single-app view.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../support/cli';
import { awsCliEnv, awsEcr, type AwsResult } from '../../support/ecr/awsCli';
import { Kubectl, kubectlInstalled } from '../../support/kubesim/kubectl';
import { RELEASE_TAG, THREE_APPS } from '../../support/sandbox/apps';
import { APP, fluxRelease, git, INITIAL_TAG } from '../../support/sandbox/layout';
import { startSandbox, type Sandbox } from '../../support/sandbox/sandbox';

const ENVS = ['dev', 'staging', 'prod'] as const;
type Images = { imageDetails: { imageTags?: string[] }[] };
const tagIn = (env: string) => (env === 'prod' ? INITIAL_TAG : RELEASE_TAG);

function cliFor(sandbox: Sandbox, home: string) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...sandbox.env };
  return (dir: string, ...args: string[]) => runCli(args, dir, env);
}

const running = (sandbox: Sandbox, env: string, app: string) => sandbox.sim.store.get('deployments', env, app).spec.template.spec.containers[0].image as string;

describe('the three-app sandbox (npm start): Argo CD', () => {
  let tmp: string;
  let sandbox: Sandbox;
  let cli: ReturnType<typeof cliFor>;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gp-apps-sandbox-'));
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), apps: 3, speed: 'fast', docker: false, agentPollMs: 200 });
    cli = cliFor(sandbox, tmp);
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('three apps: their images in the registry (aws ecr), a Deployment per environment (kubectl), each Application Synced', async (t) => {
    assert.deepEqual(sandbox.apps, [...THREE_APPS]);
    const ecr = sandbox.ecr;
    if (!ecr) {
      t.skip('docker-registry is not installed');
      return;
    }
    const awsEnv = awsCliEnv(ecr.ecr, tmp);
    for (const app of THREE_APPS) {
      const r: AwsResult<Images> = await awsEcr<Images>(ecr.ecr, awsEnv, ['describe-images', '--repository-name', app]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json!.imageDetails.flatMap((d: { imageTags?: string[] }) => d.imageTags ?? []).sort(), [INITIAL_TAG, RELEASE_TAG], `${app}'s tags`);
    }
    if (kubectlInstalled()) {
      const kubectl = new Kubectl(sandbox.sim);
      try {
        for (const env of ENVS) {
          const list = JSON.parse(await kubectl.ok(['get', 'deployments', '-n', env, '-o', 'json'])) as { items: { metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } }[] };
          const images = Object.fromEntries(list.items.map((d) => [d.metadata.name, d.spec.template.spec.containers[0]!.image]));
          assert.deepEqual(images, Object.fromEntries(THREE_APPS.map((app) => [app, `${sandbox.repositoryOf(app)}:${tagIn(env)}`])), `kubectl get deployments -n ${env}`);
        }
        await kubectl.ok(['rollout', 'status', 'deployment/worker', '-n', 'prod', '--timeout=20s']);
      } finally {
        kubectl.dispose();
      }
    }
    for (const app of THREE_APPS) {
      for (const env of ENVS) {
        await sandbox.sim.waitFor(() => sandbox.sim.store.tryGet('applications', 'argocd', `${app}-${env}`)?.status?.sync?.status === 'Synced', {
          timeoutMs: 30_000,
          description: `Application ${app}-${env} Synced`,
        });
      }
    }
  });

  test('the GitOps repository lists the apps (apps: in its gitops-pilot.yaml); demo-app keeps its single-app view', async () => {
    const gitops = await cli(sandbox.layout.gitopsClone, 'envs', '--json');
    assert.equal(gitops.code, 0, gitops.err);
    const envs = (JSON.parse(gitops.out) as { environments: { id: string; file: string }[] }).environments;
    assert.deepEqual(envs.map((e) => e.id).sort(), THREE_APPS.flatMap((a) => ENVS.map((e) => `${a}/${e}`)).sort());
    assert.ok(envs.every((e) => /^(demo-app|api|worker)\/envs\/(dev|staging|prod)\/values\.yaml$/.test(e.file.replace(`${sandbox.layout.gitopsClone}/`, ''))), JSON.stringify(envs.map((e) => e.file)));

    const own = await cli(sandbox.layout.appRepo, 'envs', '--json');
    assert.equal(own.code, 0, own.err);
    const mine = (JSON.parse(own.out) as { environments: { id: string; file: string }[] }).environments;
    assert.deepEqual(mine.map((e) => e.id), [...ENVS], 'the developer of demo-app sees dev, staging and prod');
    assert.match(readFileSync(join(sandbox.layout.appRepo, 'gitops-pilot.yaml'), 'utf8'), /file: demo-app\/envs\/prod\/values\.yaml/);
  });

  test('gitops-pilot diff --from staging --to prod: all three apps differ (1.1.0 against 1.0.0)', async () => {
    const text = await cli(sandbox.layout.gitopsClone, 'diff', '--from', 'staging', '--to', 'prod');
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /3 apps · 3 differ from staging/);
    for (const app of THREE_APPS) assert.match(text.out, new RegExp(`^\\s*${app}\\b.*${RELEASE_TAG.replace(/\./g, '\\.')}.*${INITIAL_TAG.replace(/\./g, '\\.')}`, 'm'), text.out);

    const json = await cli(sandbox.layout.gitopsClone, 'diff', '--from', 'staging', '--to', 'prod', '--json');
    assert.equal(json.code, 0, json.err);
    const d = JSON.parse(json.out) as { summary: string; apps: { app: string; status: string; from: { tag: string }; to: { tag: string } }[] };
    assert.equal(d.summary, '3 apps · 3 differ from staging');
    assert.deepEqual(d.apps.map((a) => [a.app, a.status, a.from.tag, a.to.tag]).sort(), THREE_APPS.map((a) => [a, 'differs', RELEASE_TAG, INITIAL_TAG]).sort());
    const dev = await cli(sandbox.layout.gitopsClone, 'diff', '--from', 'dev', '--to', 'staging', '--json');
    assert.equal((JSON.parse(dev.out) as { summary: string }).summary, '3 apps · 0 differ from dev');
  });

  test('promote --from staging --to prod --all --yes: one commit with three Image: trailers; after Sync, prod runs the release', async () => {
    const before = git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'rev-parse', 'main');
    const r = await cli(sandbox.layout.gitopsClone, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes');
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const bare = (...args: string[]) => git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, ...args);
    assert.equal(bare('rev-parse', 'main~1'), before, 'one commit');
    const message = bare('log', '-1', '--format=%B', 'main');
    assert.match(message, /^promote\(prod\): 3 apps from staging/);
    assert.deepEqual(message.match(/^Image: .*$/gm)?.sort(), THREE_APPS.map((a) => `Image: ${sandbox.repositoryOf(a)}:${RELEASE_TAG}`).sort());
    assert.deepEqual(bare('diff', '--name-only', 'main~1', 'main').split('\n').sort(), THREE_APPS.map((a) => `${a}/envs/prod/values.yaml`).sort());

    // prod syncs by hand, as on a real Argo CD: OutOfSync until "Sync now" (an operation on each Application)
    await sandbox.agent!.poll();
    for (const app of THREE_APPS) {
      await sandbox.sim.waitFor(() => sandbox.sim.store.tryGet('applications', 'argocd', `${app}-prod`)?.status?.sync?.status === 'OutOfSync', { timeoutMs: 30_000, description: `${app}-prod OutOfSync` });
      assert.equal(running(sandbox, 'prod', app), `${sandbox.repositoryOf(app)}:${INITIAL_TAG}`, `${app} in prod waits for a sync`);
      sandbox.sim.store.patch('applications', 'argocd', `${app}-prod`, 'merge', { operation: { sync: { revision: bare('rev-parse', 'main') }, initiatedBy: { username: 'test' } } });
    }
    for (const app of THREE_APPS) {
      await sandbox.sim.waitFor(() => running(sandbox, 'prod', app) === `${sandbox.repositoryOf(app)}:${RELEASE_TAG}`, { timeoutMs: 30_000, description: `${app} in prod runs ${RELEASE_TAG}` });
      const status = await cli(sandbox.layout.gitopsClone, 'rollout-status', '--env', `${app}/prod`, '--watch', '--timeout', '60s');
      assert.equal(status.code, 0, `${status.out}\n${status.err}`);
    }
  });
});

describe('the three-app sandbox with Flux (npm start -- --flux)', () => {
  let tmp: string;
  let sandbox: Sandbox;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gp-apps-flux-'));
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), apps: 3, speed: 'fast', docker: false, engine: 'flux' });
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a HelmRelease per app and environment, each Ready with its own chart and values file; the config names them per app', async () => {
    for (const app of THREE_APPS) {
      for (const env of ENVS) {
        const hr = await sandbox.sim.waitFor(() => {
          const o = sandbox.sim.store.tryGet('helmreleases', 'flux-system', fluxRelease(env, app));
          return o?.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? o : undefined;
        }, { timeoutMs: 30_000, description: `HelmRelease ${fluxRelease(env, app)} Ready` });
        assert.equal(hr.spec.chart.spec.chart, `./charts/${app}`);
        assert.deepEqual(hr.spec.chart.spec.valuesFiles, [`${app}/envs/${env}/values.yaml`]);
        assert.equal(running(sandbox, env, app), `${sandbox.repositoryOf(app)}:${tagIn(env)}`);
      }
    }
    const config = readFileSync(join(sandbox.layout.gitopsClone, 'gitops-pilot.yaml'), 'utf8');
    assert.match(config, /flux: \{ helmRelease: worker-prod, namespace: flux-system \}/);
    assert.doesNotMatch(config, /argocd:/);
    assert.equal(sandbox.sim.store.select('applications').length, 0);
    const cli = cliFor(sandbox, tmp);
    const d = await cli(sandbox.layout.gitopsClone, 'diff', '--from', 'staging', '--to', 'prod', '--json');
    assert.equal(d.code, 0, d.err);
    assert.equal((JSON.parse(d.out) as { summary: string }).summary, '3 apps · 3 differ from staging');
    const own = await cli(sandbox.layout.appRepo, 'envs', '--json');
    assert.deepEqual((JSON.parse(own.out) as { environments: { id: string }[] }).environments.map((e) => e.id), [...ENVS], `${APP}'s own view`);
  });
});
