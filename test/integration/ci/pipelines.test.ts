/**
 * The generated pipelines, run: for GitHub Actions, GitLab CI, Jenkins and Tekton, `gitops-pilot init-ci` writes
 * the file into a clone of the sandbox's app, which is committed like a team would; then every job of that file
 * runs in its system's order, each in the CLI image (docker/cli.Dockerfile on a base built offline from this
 * machine's files) on the real Docker engine, against the sandbox's registry, ECR emulator, GitOps remote and
 * Kubernetes simulator, with the variables that system sets. The image lands in the registry, the scan gate
 * reads ECR's findings, dev gets the bump and rolls out, staging and (after the system's approval) prod are
 * promoted and roll out.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureCliImage } from '../../support/ciImage';
import { cliPath } from '../../support/cliProcess';
import { removeImages } from '../../support/dockerd';
import { git } from '../../support/gitRepos';
import { run, waitFor } from '../../support/proc';
import { RegistryClient } from '../../support/registryClient';
import { startSandbox, type Sandbox } from '../../support/sandbox/sandbox';
import { tempDir } from '../../support/tmp';
import type { StepLog } from './harness';
import { runGithub, runGitlab, runJenkins, runTektonPipeline, type PipelineContext } from './runners';

describe('generated CI pipelines, run in the CLI image', () => {
  let sandbox: Sandbox;
  let tmp: { dir: string; cleanup: () => void };
  let image: string;
  let registry: RegistryClient;
  let runNumber = 40;

  before(async () => {
    tmp = tempDir('gitops-pilot-ci-');
    // scans stay IN_PROGRESS until the test sets their findings: the gate's verdict is then known, not random
    sandbox = await startSandbox({ dir: join(tmp.dir, 'sandbox'), speed: 'fast', scanDelayMs: 3_600_000 });
    if (!sandbox.docker || !sandbox.ecr) throw new Error(`the sandbox is incomplete: ${sandbox.notes.join(' ')}`);
    image = await ensureCliImage(sandbox.docker);
    registry = new RegistryClient({ url: sandbox.ecr.registry.url, username: sandbox.ecr.registry.username, password: sandbox.ecr.registry.password });
  });

  after(async () => {
    if (sandbox?.docker && sandbox.ecr) await removeImages(sandbox.docker, `${sandbox.ecr.ecr.registryHost}/`).catch(() => undefined);
    await sandbox?.stop();
    tmp?.cleanup();
  });

  /** The team's app repository with the generated pipeline committed; init-ci runs next to a GitOps clone. */
  async function appWithPipeline(system: string): Promise<{ repo: string; commit: string; files: Record<string, string> }> {
    const root = join(tmp.dir, system);
    mkdirSync(root, { recursive: true });
    const repo = join(root, 'demo-app');
    git(root, 'clone', '-q', sandbox.layout.appRepo, repo);
    git(root, 'clone', '-q', sandbox.layout.gitopsBare, join(root, 'demo-app-gitops'));
    const r = await run(process.execPath, [cliPath, 'init-ci', '--system', system, '--cli-image', image], { cwd: repo, env: { ...process.env, ...sandbox.env } });
    assert.equal(r.code, 0, r.stderr);
    const written = r.stdout.split('\n').filter((l) => l.startsWith('wrote ')).map((l) => l.slice('wrote '.length));
    assert.ok(written.length > 0, r.stdout);
    git(repo, 'add', '-A');
    git(repo, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.invalid', 'commit', '-q', '-m', `ci: ${system} pipeline from gitops-pilot init-ci`);
    return { repo, commit: git(repo, 'rev-parse', 'HEAD'), files: Object.fromEntries(written.map((f) => [f, readFileSync(join(repo, f), 'utf8')])) };
  }

  /** Runs a pipeline with the hooks a real setup would provide, then checks registry, GitOps remote and cluster. */
  async function runPipeline(system: string, execute: (ctx: PipelineContext, files: Record<string, string>) => Promise<string[]>): Promise<{ jobs: string[]; approvals: string[] }> {
    const app = await appWithPipeline(system);
    const ecr = sandbox.ecr!;
    const log: StepLog[] = [];
    const approvals: string[] = [];
    const ctx: PipelineContext = {
      daemon: sandbox.docker!,
      image,
      appRepo: app.repo,
      commit: app.commit,
      root: join(tmp.dir, system),
      mounts: [sandbox.layout.root],
      store: { awsAccessKeyId: ecr.ecr.credentials.accessKeyId, awsSecretAccessKey: ecr.ecr.credentials.secretAccessKey, gitUser: 'ci-bot', gitPassword: 'file-remote-needs-no-password', kubeconfig: sandbox.layout.kubeconfig },
      sandboxEnv: { GITOPS_PILOT_ECR_ENDPOINT: ecr.ecr.endpoint, AWS_EC2_METADATA_DISABLED: 'true', GITOPS_PILOT_SCAN_POLL_MS: '200' },
      runNumber: runNumber++,
      approvals,
      log,
    };
    const stop = new AbortController();
    // ECR finishes the scan of the pushed image: medium and low findings only, so CRITICAL,HIGH lets it through
    const scanned = (async () => {
      const tag = await waitFor('the pushed tag', async () => (await registry.tags('demo-app'))?.find((t) => t.length >= 7 && app.commit.startsWith(t)), { timeoutMs: 240_000, intervalMs: 100, abort: () => (stop.signal.aborted ? 'pipeline ended' : undefined) });
      await ecr.ecr.setScanFindings('demo-app', tag, { counts: { MEDIUM: 2, LOW: 1 } });
      return tag;
    })();
    // prod syncs by hand in the sandbox (like Argo CD without auto-sync): someone presses Sync once the promotion lands
    const prodSynced = (async () => {
      const rev = await waitFor('the prod promotion in the GitOps remote', () => {
        const text = git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'show', 'main:envs/prod/values.yaml');
        return text.includes(`"${app.commit.slice(0, 7)}`) ? git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'rev-parse', 'main') : undefined;
      }, { timeoutMs: 400_000, intervalMs: 100, abort: () => (stop.signal.aborted ? 'pipeline ended' : undefined) });
      await sandbox.agent!.poll();
      sandbox.sim.store.patch('applications', 'argocd', 'demo-app-prod', 'merge', { operation: { sync: { revision: rev }, initiatedBy: { username: 'release-manager' } } });
    })();
    // awaited after the run; when the run fails first, their "pipeline ended" is not what the test reports
    scanned.catch(() => undefined);
    prodSynced.catch(() => undefined);
    let jobs: string[];
    try {
      jobs = await execute(ctx, app.files);
    } finally {
      stop.abort();
    }
    const tag = await scanned;
    await prodSynced;

    // the image is in the registry, and every environment's file and workload has exactly it
    const manifest = await registry.headManifest('demo-app', tag);
    assert.ok(manifest, `${tag} is in the registry`);
    for (const env of ['dev', 'staging', 'prod']) {
      const values = git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'show', `main:envs/${env}/values.yaml`);
      assert.match(values, new RegExp(`tag: "${tag}"`), `${env} is at ${tag}`);
      assert.ok(values.includes(manifest.digest), `${env} pins ${manifest.digest}`);
      const deployment = sandbox.sim.store.get('deployments', env, 'demo-app') as { spec: { template: { spec: { containers: { image: string }[] } } } };
      assert.equal(deployment.spec.template.spec.containers[0]!.image, `${sandbox.repository}:${tag}@${manifest.digest}`, `${env} runs it`);
    }
    const history = git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'log', '-3', '--format=%s%n%b', 'main');
    assert.match(history, new RegExp(`deploy\\(dev\\): demo-app .* -> ${tag}`));
    assert.match(history, new RegExp(`Source-Commit: ${app.commit}`));
    const output = log.map((l) => l.output).join('\n');
    assert.match(output, /2 MEDIUM, 1 LOW/, 'the scan gate printed its verdict');
    assert.ok(!output.includes(ecr.ecr.credentials.secretAccessKey), 'no AWS secret in any step\'s output');
    if (process.env.GITOPS_PILOT_CI_TIMINGS) for (const l of log) console.error(`${String(l.ms).padStart(6)} ms  ${l.job} › ${l.step}`);
    return { jobs, approvals };
  }

  test('GitHub Actions: test → deploy-dev → promote-staging → promote-prod (environment with reviewers)', async () => {
    const r = await runPipeline('github', (ctx, files) => runGithub(files['.github/workflows/gitops-pilot.yml']!, ctx));
    assert.deepEqual(r.jobs, ['test', 'deploy-dev', 'promote-staging', 'promote-prod']);
    assert.deepEqual(r.approvals, ['github: environment prod']);
  });

  test('GitLab CI: stages in order, prod a manual job', async () => {
    const r = await runPipeline('gitlab', (ctx, files) => runGitlab(files['.gitlab-ci.yml']!, ctx));
    assert.deepEqual(r.jobs, ['test', 'deploy-dev', 'promote-staging', 'promote-prod']);
    assert.deepEqual(r.approvals, ['gitlab: manual job promote-prod']);
  });

  test('Jenkins: declarative stages with credentials bindings, input before prod', async () => {
    const r = await runPipeline('jenkins', (ctx, files) => runJenkins(files.Jenkinsfile!, ctx));
    assert.deepEqual(r.jobs, ['Test', 'deploy-dev', 'promote-staging', 'promote-prod']);
    assert.deepEqual(r.approvals, ['jenkins: input "Deploy demo-app to prod?"']);
  });

  test('Tekton: the pipeline, then prod\'s own PipelineRun', async () => {
    const r = await runPipeline('tekton', async (ctx, files) => {
      const main = await runTektonPipeline(files['.tekton/pipeline.yaml']!, files['.tekton/pipelinerun.yaml']!, ctx, 'main');
      ctx.approvals.push('tekton: PipelineRun of demo-app-promote-prod');
      const prod = await runTektonPipeline(files['.tekton/promote-prod.yaml']!, files['.tekton/promote-prod.pipelinerun.yaml']!, ctx, 'promote-prod');
      return [...main, ...prod];
    });
    assert.deepEqual(r.jobs, ['test', 'deploy-dev', 'promote-staging', 'checkout', 'promote-prod']);
  });
});
