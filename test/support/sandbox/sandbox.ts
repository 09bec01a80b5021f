/**
 * The sandbox: everything a newcomer needs to use GitOps Pilot without AWS or a cluster, on loopback
 * ports under one folder — the ECR emulator in front of a real registry, a real Docker engine, a bare
 * GitOps repository with a working clone, the Kubernetes simulator with Argo CD Applications and an
 * agent that syncs new tags like Argo CD (or, with `engine: 'flux'`, Flux objects and its controllers). Used by `npm start`, the end-to-end tests and the benchmarks.
 * When the registry or Docker is missing it says so and runs what still works.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startDockerd, defaultDockerCli, type DockerDaemon } from '../dockerd';
import { startEcrStack, type EcrStack } from '../ecr';
import { createApplication, createFluxObjects, createRolledOutDeployment, gitRepositoryManifest, helmReleaseManifest, startKubeSim, type KubeSim } from '../kubesim';
import type { Timings } from '../kubesim/runtime';
import { run, which } from '../proc';
import { RegistryClient, pushSyntheticImage } from '../registryClient';
import { startArgoAgent, type AgentApp, type ArgoAgent } from './agent';
import { appNames, startTag, startTags, type AppCount } from './apps';
import { startSandboxGitHub, type SandboxGitHub } from './github';
import { APP, ENVIRONMENTS, FLUX_SOURCE, fluxRelease, git, INITIAL_TAG, writeLayout, type SandboxEngine, type SandboxLayout } from './layout';

export interface SandboxOptions {
  /** created (emptied first) */
  readonly dir: string;
  /** simulator pod timings: realistic (seconds, for people) or fast (tests) */
  readonly speed?: 'fast' | 'realistic';
  /** overrides of the speed's timings (e.g. pods ready in about a second, for UI tests that watch a rollout) */
  readonly timings?: Partial<Timings>;
  /** how often the Argo-CD-like agent looks at the GitOps repository (default: Argo CD's 120 s + up to 60 s jitter; a refresh request is seen at once) */
  readonly agentPollMs?: number;
  /** use a Docker engine when one can be started (default true) */
  readonly docker?: boolean;
  /** how long ECR scans stay IN_PROGRESS after a push (default 0: complete at once) */
  readonly scanDelayMs?: number;
  /** the sync engine (default argocd); flux: a GitRepository and a HelmRelease per environment, reconciled by the simulator's Flux controllers */
  readonly engine?: SandboxEngine;
  /** 1 (default): demo-app alone; 3: demo-app, api and worker in the GitOps repository, prod a release behind (apps.ts) */
  readonly apps?: AppCount;
  /** the GitHub emulator with prod changed only through pull requests (github.ts; `npm start` turns it on) */
  readonly pullRequests?: boolean | { readonly requireApproval?: boolean };
  readonly log?: (line: string) => void;
}

export interface Sandbox {
  readonly engine: SandboxEngine;
  readonly layout: SandboxLayout;
  readonly sim: KubeSim;
  readonly ecr?: EcrStack;
  readonly docker?: DockerDaemon;
  /** the Argo-CD-like agent (argocd engine only; Flux runs inside the simulator) */
  readonly agent?: ArgoAgent;
  /** the GitHub emulator over the GitOps repository (option pullRequests) */
  readonly github?: SandboxGitHub;
  /** demo-app's image repository (registry host included) */
  readonly repository: string;
  /** the apps (demo-app first) */
  readonly apps: readonly string[];
  /** an app's image repository (registry host included) */
  repositoryOf(app: string): string;
  /** environment for the extension host and the CLI: kubeconfig, AWS credentials for the emulator, docker */
  readonly env: Record<string, string>;
  /** user settings for VS Code: ECR endpoint, kubeconfig, docker path */
  readonly userSettings: Record<string, unknown>;
  /** what is missing and what still works */
  readonly notes: string[];
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? (() => undefined);
  const notes: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`stopping: ${(err as Error).message}`);
      }
    }
  };
  try {
    const apps = appNames(opts.apps, APP);
    rmSync(opts.dir, { recursive: true, force: true });
    mkdirSync(opts.dir, { recursive: true });

    // the registry and the ECR API in front of it
    let ecr: EcrStack | undefined;
    if (which('docker-registry')) {
      log('starting the registry and the ECR API emulator');
      ecr = await startEcrStack({ region: REGION, accountId: ACCOUNT, repositories: apps.map((name) => ({ name, scanOnPush: true })), ...(opts.scanDelayMs ? { scanDelayMs: opts.scanDelayMs } : {}), registryOptions: { dir: join(opts.dir, 'registry') } });
      cleanups.push(() => ecr!.close());
    } else {
      notes.push('docker-registry is not installed (apt-get install -y docker-registry): no registry and no ECR API; Build/Push Image and the Images view cannot work, deployments and rollouts can (every tag counts as pushed).');
    }
    const repositoryOf = (app: string) => (ecr ? ecr.ecr.repositoryUri(app) : `127.0.0.1:5999/${app}`);
    const repository = repositoryOf(APP);
    const registry = ecr ? new RegistryClient({ url: ecr.registry.url, username: ecr.registry.username, password: ecr.registry.password }) : undefined;

    // a Docker engine
    let docker: DockerDaemon | undefined;
    if (opts.docker !== false) {
      if (!which('dockerd') && !which('dockerd', '/usr/sbin:/usr/bin')) {
        notes.push('dockerd is not installed (apt-get install -y docker.io): Build Image and Ship cannot run; the images below were pushed without Docker.');
      } else {
        try {
          log('starting the Docker engine (vfs storage; the first start takes a few seconds)');
          docker = await startDockerd();
          cleanups.push(() => docker!.stop());
        } catch (err) {
          notes.push(`the Docker engine did not start (${(err as Error).message.split('\n')[0]}): Build Image and Ship cannot run.`);
        }
      }
    }

    // the Kubernetes simulator: a tag that is not in the registry ends in ImagePullBackOff, as on a cluster
    const sim = await startKubeSim({
      speed: opts.speed ?? 'realistic',
      ...(opts.timings ? { timings: opts.timings } : {}),
      imageExists: registry ? (image) => imageInRegistry(registry, apps.map((app) => ({ app, repository: repositoryOf(app) })), image) : () => true,
    });
    cleanups.push(() => sim.close());

    const engine = opts.engine ?? 'argocd';
    const layout = writeLayout(opts.dir, { repository, server: sim.url, region: REGION, account: ACCOUNT, engine, apps: opts.apps, repositoryOf });
    const dockerConfig = join(opts.dir, 'docker-config');
    mkdirSync(dockerConfig, { recursive: true });
    writeFileSync(join(dockerConfig, 'config.json'), '{}\n');

    // the images the environments run at first: demo-app built with Docker when there is one, the others made without
    const tags = startTags(opts.apps, INITIAL_TAG);
    if (ecr && docker) {
      log(`building and pushing ${APP}:${tags.join(', ')} with docker`);
      const cli = defaultDockerCli();
      const env = { ...process.env, DOCKER_HOST: docker.host, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: '0' };
      const token = ecr.ecr.issueToken();
      const ok = async (args: string[], input?: string) => {
        const r = await run(cli, args, { env, input, timeoutMs: 300_000, secrets: [token.password] });
        if (r.code !== 0) throw new Error(`docker ${args[0]} failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
      };
      for (const tag of tags) await ok(['build', '-q', '--build-arg', `VERSION=${tag}`, '-t', `${repository}:${tag}`, layout.appRepo]);
      await ok(['login', '--username', 'AWS', '--password-stdin', ecr.ecr.registryHost], token.password);
      for (const tag of tags) await ok(['push', `${repository}:${tag}`]);
      await ok(['logout', ecr.ecr.registryHost]);
    }
    if (registry) {
      for (const app of apps.filter((a) => !(docker && a === APP))) {
        log(`pushing ${app}:${tags.join(', ')} (made without Docker)`);
        for (const tag of tags) await pushSyntheticImage(registry, app, [tag], { seed: `${app}-${tag}` });
      }
    }

    // what the engine would have deployed already: every app in every environment at its start tag
    for (const app of apps) {
      for (const e of ENVIRONMENTS) createRolledOutDeployment(sim, { namespace: e.namespace, name: app, container: app, replicas: e.replicas, image: `${repositoryOf(app)}:${startTag(opts.apps, e, INITIAL_TAG)}` });
    }
    let agent: ArgoAgent | undefined;
    if (engine === 'flux') startFlux(sim, layout);
    else {
      agent = startArgo(sim, layout, opts, log);
      cleanups.push(() => agent!.stop());
    }

    let github: SandboxGitHub | undefined;
    if (opts.pullRequests) {
      github = await startSandboxGitHub(layout, { log, ...(typeof opts.pullRequests === 'object' ? opts.pullRequests : {}) });
      cleanups.push(() => github!.stop());
    }

    // AWS: the emulator's credentials only; empty config files so the user's own profiles never leak in
    const awsConfig = join(opts.dir, 'aws-config');
    writeFileSync(awsConfig, '');
    const env: Record<string, string> = {
      KUBECONFIG: layout.kubeconfig,
      DOCKER_CONFIG: dockerConfig,
      AWS_CONFIG_FILE: awsConfig,
      AWS_SHARED_CREDENTIALS_FILE: awsConfig,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      ...(ecr ? { AWS_ACCESS_KEY_ID: ecr.ecr.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: ecr.ecr.credentials.secretAccessKey, AWS_ENDPOINT_URL_ECR: ecr.ecr.endpoint } : {}),
      ...(docker ? { DOCKER_HOST: docker.host } : {}),
      GIT_AUTHOR_NAME: 'Sandbox Developer',
      GIT_AUTHOR_EMAIL: 'developer@gitops-pilot.invalid',
      GIT_COMMITTER_NAME: 'Sandbox Developer',
      GIT_COMMITTER_EMAIL: 'developer@gitops-pilot.invalid',
      ...(github?.env ?? {}),
    };
    const userSettings: Record<string, unknown> = {
      'gitopsPilot.kubernetes.kubeconfig': [layout.kubeconfig],
      ...(ecr ? { 'gitopsPilot.ecr.endpoint': ecr.ecr.endpoint, 'gitopsPilot.aws.region': REGION } : {}),
      ...(docker ? { 'gitopsPilot.docker.path': defaultDockerCli() } : {}),
    };
    return { engine, layout, sim, ecr, docker, agent, github, repository, apps, repositoryOf, env, userSettings, notes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Argo CD: an Application per environment, Synced and Healthy at the initial commit, and the agent that syncs new commits. */
function startArgo(sim: KubeSim, layout: SandboxLayout, opts: SandboxOptions, log: (line: string) => void): ArgoAgent {
  const revision = git(layout.gitopsClone, 'rev-parse', 'HEAD');
  const apps: AgentApp[] = [];
  for (const app of layout.apps) {
    for (const e of ENVIRONMENTS) {
      const file = layout.file(app, e.name);
      createApplication(sim, {
        name: `${app}-${e.name}`,
        destinationNamespace: e.namespace,
        repoURL: `file://${layout.gitopsBare}`,
        path: dirname(file),
        resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: e.namespace, name: app }],
        sync: { status: 'Synced', revision },
      });
      apps.push({ env: e.name, namespace: e.namespace, application: `${app}-${e.name}`, file, deployment: app, container: app, autoSync: e.autoSync });
    }
  }
  return startArgoAgent(sim, layout.gitopsBare, apps, { log, ...(opts.agentPollMs !== undefined ? { pollMs: opts.agentPollMs } : {}) });
}

/**
 * Flux: one GitRepository on the bare GitOps repository (fetched every minute, as `flux create source git`
 * defaults) and a HelmRelease per environment installing charts/APP with envs/<env>/values.yaml into the
 * environment's namespace as release APP; the simulator's controllers install them at once (same image:
 * no rollout) and then follow new commits on the interval or a `reconcile.fluxcd.io/requestedAt` request.
 */
function startFlux(sim: KubeSim, layout: SandboxLayout): void {
  createFluxObjects(sim, [
    gitRepositoryManifest({ name: FLUX_SOURCE, url: `file://${layout.gitopsBare}`, branch: 'main', interval: '1m0s' }),
    ...layout.apps.flatMap((app) =>
      ENVIRONMENTS.map((e) =>
        helmReleaseManifest({ name: fluxRelease(e.name, app), source: FLUX_SOURCE, chart: `./charts/${app}`, valuesFiles: [layout.file(app, e.name)], releaseName: app, targetNamespace: e.namespace, interval: '10m0s', timeout: '5m0s' }),
      ),
    ),
  ]);
}

/** Whether `image` (repository:tag or @digest of one of the apps' repositories) is in the registry, as a kubelet's pull would find. */
async function imageInRegistry(registry: RegistryClient, repositories: readonly { app: string; repository: string }[], image: string): Promise<boolean> {
  const found = repositories.find((r) => image.startsWith(`${r.repository}:`) || image.startsWith(`${r.repository}@`));
  if (!found) return false;
  const rest = image.slice(found.repository.length);
  const ref = rest.includes('@') ? rest.slice(rest.indexOf('@') + 1) : rest.slice(1);
  try {
    return (await registry.headManifest(found.app, ref)) !== undefined;
  } catch {
    return false;
  }
}
