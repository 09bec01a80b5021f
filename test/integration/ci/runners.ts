/**
 * Each CI system's order and variables, applied to the generated file as that system reads it: GitHub Actions
 * (jobs by `needs`, steps, $GITHUB_ENV, expressions from secrets and vars), GitLab CI (stages, variables, CI/CD
 * variables, manual jobs), Jenkins (stages of the declarative Jenkinsfile, credentials bindings, input), Tekton
 * (tasks by runAfter, params, secrets, workspaces; a protected environment's own PipelineRun). What is not a
 * shell step is emulated and said so: actions/checkout (a clone), configure-aws-credentials (the emulator's
 * keys, as an assumed role would give), the docker:dind service or sidecar (the test's engine), approvals.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pipelineEnvironment, stagesOf } from '../../support/ci/jenkinsfile';
import type { DockerDaemon } from '../../support/dockerd';
import { checkout, JobContainer, type StepLog } from './harness';

export interface PipelineContext {
  readonly daemon: DockerDaemon;
  /** the CLI image every job runs in */
  readonly image: string;
  /** the app repository CI checks out, and the commit it builds */
  readonly appRepo: string;
  readonly commit: string;
  /** a folder for this run's workspaces (mounted at the same path) */
  readonly root: string;
  /** more host folders the jobs reach at the same path (the GitOps remote, the kubeconfig) */
  readonly mounts: readonly string[];
  /** what the CI system's secret store holds */
  readonly store: { awsAccessKeyId: string; awsSecretAccessKey: string; gitUser: string; gitPassword: string; kubeconfig: string };
  /** variables that point the CLI at the sandbox's AWS (the ECR endpoint) and test knobs */
  readonly sandboxEnv: Readonly<Record<string, string>>;
  readonly runNumber: number;
  /** approvals the pipeline asked for, in order (the test gives each) */
  readonly approvals: string[];
  readonly log: StepLog[];
}

const APP = 'demo-app';

async function inJob<T>(ctx: PipelineContext, image: string, job: string, fn: (c: JobContainer) => Promise<T>): Promise<T> {
  const c = await JobContainer.start(ctx.daemon, image, job, [ctx.root, ...ctx.mounts], ctx.log);
  try {
    return await fn(c);
  } finally {
    await c.stop();
  }
}

function workspace(ctx: PipelineContext, system: string, job: string): string {
  const dir = join(ctx.root, system, job);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ── GitHub Actions ────────────────────────────────────────────────────────────────────────────────────

function githubExpressions(text: string, ctx: PipelineContext): string {
  const secrets: Record<string, string> = { GITOPS_TOKEN: ctx.store.gitPassword, KUBECONFIG: readFileSync(ctx.store.kubeconfig, 'utf8') };
  const vars: Record<string, string> = { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/gitops-pilot-ci' };
  return text.replace(/\$\{\{\s*(secrets|vars)\.(\w+)\s*\}\}/g, (m, kind: string, name: string) => {
    const v = (kind === 'secrets' ? secrets : vars)[name];
    if (v === undefined) throw new Error(`the workflow uses ${m}, which the test's repository settings do not have`);
    return v;
  });
}

function resolveAll(env: Record<string, unknown> | undefined, ctx: PipelineContext): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, githubExpressions(String(v), ctx)]));
}

export async function runGithub(text: string, ctx: PipelineContext): Promise<string[]> {
  type GhStep = { name?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string>; run?: string };
  type GhJob = { needs?: string | string[]; environment?: string; container: string | { image: string }; env?: Record<string, string>; steps: GhStep[] };
  const wf = parse(text) as { env?: Record<string, string>; defaults?: { run?: { shell?: string } }; jobs: Record<string, GhJob> };
  if (wf.defaults?.run?.shell !== 'sh') throw new Error('the runner emulates shell: sh only');
  const done: string[] = [];
  const pending = Object.keys(wf.jobs);
  while (pending.length) {
    const i = pending.findIndex((j) => [wf.jobs[j]!.needs ?? []].flat().every((n) => done.includes(n)));
    if (i < 0) throw new Error(`jobs whose needs never finish: ${pending.join(', ')}`);
    const name = pending.splice(i, 1)[0]!;
    const job = wf.jobs[name]!;
    if (job.environment && /prod/.test(job.environment)) ctx.approvals.push(`github: environment ${job.environment}`);
    const dir = workspace(ctx, 'github', name);
    const ws = join(dir, APP, APP);
    const temp = join(dir, 'runner-temp');
    mkdirSync(temp);
    const image = typeof job.container === 'string' ? job.container : job.container.image;
    await inJob(ctx, image, `github-${name}`, async (c) => {
      let env: Record<string, string> = {
        ...ctx.sandboxEnv,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_RUN_NUMBER: String(ctx.runNumber),
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REF_NAME: 'main',
        GITHUB_SHA: ctx.commit,
        GITHUB_WORKSPACE: ws,
        RUNNER_TEMP: temp,
        ...resolveAll(wf.env, ctx),
        ...resolveAll(job.env, ctx),
      };
      for (const step of job.steps) {
        if (step.uses?.startsWith('actions/checkout@')) {
          checkout(ctx.appRepo, ws, ctx.commit, false);
          continue;
        }
        if (step.uses?.startsWith('aws-actions/configure-aws-credentials@')) {
          if (!step.with?.['role-to-assume']) throw new Error('configure-aws-credentials without a role (OIDC) is not what the generator writes');
          env = { ...env, AWS_ACCESS_KEY_ID: ctx.store.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: ctx.store.awsSecretAccessKey, AWS_REGION: githubExpressions(step.with['aws-region']!, ctx) };
          continue;
        }
        if (step.uses) throw new Error(`the runner does not emulate ${step.uses}`);
        const envFile = join(temp, `env-${done.length}-${Math.random().toString(36).slice(2)}`);
        writeFileSync(envFile, '');
        await c.exec(step.name ?? 'run', `set -e\n${step.run}`, { ...env, ...resolveAll(step.env, ctx), GITHUB_ENV: envFile }, ws);
        for (const line of readFileSync(envFile, 'utf8').split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
        }
      }
    });
    done.push(name);
  }
  return done;
}

// ── GitLab CI ─────────────────────────────────────────────────────────────────────────────────────────

export async function runGitlab(text: string, ctx: PipelineContext): Promise<string[]> {
  type GlJob = { stage: string; image: string; when?: string; variables?: Record<string, string>; script: string[]; services?: { name: string }[] };
  const doc = parse(text) as { stages: string[]; variables?: Record<string, string> } & Record<string, GlJob>;
  const settings: Record<string, string> = {
    AWS_ACCESS_KEY_ID: ctx.store.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: ctx.store.awsSecretAccessKey,
    GITOPS_GIT_USERNAME: ctx.store.gitUser,
    GITOPS_GIT_PASSWORD: ctx.store.gitPassword,
    KUBECONFIG: ctx.store.kubeconfig, // a File variable: GitLab sets the path of a file holding it
  };
  const done: string[] = [];
  for (const stage of doc.stages) {
    for (const [name, job] of Object.entries(doc).filter(([k, v]) => k !== 'variables' && k !== 'stages' && k !== 'workflow' && (v as GlJob).stage === stage) as [string, GlJob][]) {
      if (job.when === 'manual') ctx.approvals.push(`gitlab: manual job ${name}`);
      const dir = workspace(ctx, 'gitlab', name);
      const ws = join(dir, APP, APP);
      checkout(ctx.appRepo, ws, ctx.commit, true);
      const dind = job.services?.some((s) => s.name.startsWith('docker:') && s.name.endsWith('-dind'));
      await inJob(ctx, job.image, `gitlab-${name}`, (c) =>
        c.exec(name, job.script.join('\n'), {
          ...ctx.sandboxEnv,
          CI: 'true',
          GITLAB_CI: 'true',
          CI_PIPELINE_IID: String(ctx.runNumber),
          CI_COMMIT_REF_NAME: 'main',
          CI_COMMIT_BRANCH: 'main',
          CI_COMMIT_SHA: ctx.commit,
          CI_PROJECT_DIR: ws,
          CI_JOB_NAME: name,
          ...settings,
          ...doc.variables,
          ...job.variables,
          // the docker:dind service is the test's engine, through the socket
          ...(dind ? { DOCKER_HOST: 'unix:///var/run/docker.sock' } : {}),
        }, ws),
      );
      done.push(name);
    }
  }
  return done;
}

// ── Jenkins ───────────────────────────────────────────────────────────────────────────────────────────

export async function runJenkins(text: string, ctx: PipelineContext): Promise<string[]> {
  const credentials: Record<string, string[]> = {
    'aws-ecr': [ctx.store.awsAccessKeyId, ctx.store.awsSecretAccessKey],
    'gitops-git': [ctx.store.gitUser, ctx.store.gitPassword],
    kubeconfig: [ctx.store.kubeconfig],
  };
  const env = pipelineEnvironment(text);
  const done: string[] = [];
  for (const stage of stagesOf(text)) {
    if (stage.input) ctx.approvals.push(`jenkins: input "${stage.input}"`);
    if (!stage.image) throw new Error(`stage ${stage.name} has no docker agent`);
    if (stage.name !== 'Test' && !/-v \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/.test(stage.dockerArgs ?? '')) throw new Error(`stage ${stage.name} does not mount the agent's Docker socket`);
    const dir = workspace(ctx, 'jenkins', stage.name);
    const ws = join(dir, APP);
    checkout(ctx.appRepo, ws, ctx.commit, true);
    const bound: Record<string, string> = {};
    for (const c of stage.credentials) {
      const values = credentials[c.id];
      if (!values) throw new Error(`credentials ${c.id} are not in the test's Jenkins`);
      c.variables.forEach((v, i) => (bound[v] = values[i]!));
    }
    await inJob(ctx, stage.image, `jenkins-${stage.name}`, async (c) => {
      for (const script of stage.scripts) {
        await c.exec(stage.name, script, { ...ctx.sandboxEnv, BUILD_NUMBER: String(ctx.runNumber), BRANCH_NAME: 'main', JOB_NAME: `${APP}/main`, WORKSPACE: ws, JENKINS_URL: 'http://jenkins.invalid/', ...env, ...bound }, ws);
      }
    });
    done.push(stage.name);
  }
  return done;
}

// ── Tekton ────────────────────────────────────────────────────────────────────────────────────────────

type TkEnv = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
type TkTask = { name: string; runAfter?: string[]; taskSpec: { steps: { name: string; image: string; workingDir?: string; env?: TkEnv[]; script: string }[]; sidecars?: { image: string }[] } };
type TkPipeline = { kind: string; metadata: { name: string }; spec: { params: { name: string; default?: string }[]; tasks: TkTask[] } };

/** Runs one PipelineRun: tasks by runAfter, each a pod (container) sharing the run's workspace volume. */
export async function runTektonPipeline(pipelineText: string, runText: string, ctx: PipelineContext, label: string): Promise<string[]> {
  const pipeline = parse(pipelineText) as TkPipeline;
  const run = parse(runText) as { kind: string; spec: { pipelineRef: { name: string }; params: { name: string; value: string }[] } };
  if (run.kind !== 'PipelineRun' || run.spec.pipelineRef.name !== pipeline.metadata.name) throw new Error(`${label}: the PipelineRun does not run ${pipeline.metadata.name}`);
  const params: Record<string, string> = Object.fromEntries(pipeline.spec.params.map((p) => [p.name, p.default ?? '']));
  for (const p of run.spec.params) params[p.name] = p.value;
  // what the trigger fills in for a push
  Object.assign(params, { 'git-url': ctx.appRepo, 'git-revision': ctx.commit, 'build-number': String(ctx.runNumber) });
  const secrets: Record<string, string> = {
    'aws-credentials/AWS_ACCESS_KEY_ID': ctx.store.awsAccessKeyId,
    'aws-credentials/AWS_SECRET_ACCESS_KEY': ctx.store.awsSecretAccessKey,
    'gitops-git/username': ctx.store.gitUser,
    'gitops-git/password': ctx.store.gitPassword,
  };
  const volume = workspace(ctx, 'tekton', label);
  mkdirSync(join(volume, 'source'));
  mkdirSync(join(volume, 'kubeconfig'));
  copyFileSync(ctx.store.kubeconfig, join(volume, 'kubeconfig', 'config'));
  const subst = (s: string) =>
    s.replace(/\$\((params\.[\w-]+|workspaces\.(source|kubeconfig)\.path)\)/g, (_m, ref: string) => {
      if (ref.startsWith('workspaces.')) return join(volume, ref.split('.')[1]!);
      const v = params[ref.slice('params.'.length)];
      if (v === undefined) throw new Error(`${label}: $(${ref}) is not a parameter`);
      return v;
    });
  const done: string[] = [];
  const pending = [...pipeline.spec.tasks];
  while (pending.length) {
    const i = pending.findIndex((t) => (t.runAfter ?? []).every((a) => done.includes(a)));
    if (i < 0) throw new Error(`${label}: tasks whose runAfter never finishes`);
    const task = pending.splice(i, 1)[0]!;
    const dind = task.taskSpec.sidecars?.some((s) => /^docker:.*dind$/.test(s.image));
    const images = [...new Set(task.taskSpec.steps.map((s) => s.image))];
    if (images.length !== 1) throw new Error(`${label}: the runner runs a task's steps in one container (one image), ${task.name} has ${images.join(', ')}`);
    // the task's pod: its steps one after another in the same container, sharing the workspace volume
    await inJob(ctx, images[0]!, `tekton-${task.name}`, async (c) => {
      for (const step of task.taskSpec.steps) {
        const env: Record<string, string> = { ...ctx.sandboxEnv };
        for (const e of step.env ?? []) {
          if (e.valueFrom) {
            const v = secrets[`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`];
            if (v === undefined) throw new Error(`${label}: secret ${e.valueFrom.secretKeyRef.name} has no ${e.valueFrom.secretKeyRef.key} here`);
            env[e.name] = v;
          } else env[e.name] = subst(e.value ?? '');
        }
        // the docker:dind sidecar is the test's engine, through the socket
        if (dind) env.DOCKER_HOST = 'unix:///var/run/docker.sock';
        await c.exec(`${task.name}/${step.name}`, subst(step.script), env, subst(step.workingDir ?? volume));
      }
    });
    done.push(task.name);
  }
  return done;
}
