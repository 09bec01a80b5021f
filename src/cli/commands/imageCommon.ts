/** What the image commands (build, push, ship) share: flags, the project with an image, the image context. */
import { loadProject } from '../../core/config/project';
import type { Project } from '../../core/config/model';
import { inputError } from '../../core/errors';
import { EcrClients, type ImageOpContext } from '../../core/images/context';
import { DockerCli } from '../../core/images/docker';
import { TokenCache } from '../../core/images/login';
import type { BuildResult } from '../../core/images/build';
import type { PushResult } from '../../core/images/push';
import type { CliIO } from '../io';

export const imageFlags = {
  docker: { type: 'string', description: 'the docker executable (default: $GITOPS_PILOT_DOCKER, else docker)', valueName: 'PATH' },
  profile: { type: 'string', description: 'AWS profile for ECR (default: the SDK chain: AWS_PROFILE, environment, SSO, …)', valueName: 'NAME' },
  region: { type: 'string', description: 'AWS region when gitops-pilot.yaml and the repository URI do not say', valueName: 'REGION' },
  'ecr-endpoint': { type: 'string', description: 'ECR API endpoint (default: $GITOPS_PILOT_ECR_ENDPOINT, else AWS\'s)', valueName: 'URL' },
} as const;

export const buildFlags = {
  tag: { type: 'string', description: 'tag to use instead of the tag policy\'s (never only latest)', valueName: 'T' },
  'allow-dirty': { type: 'boolean', description: 'build a working tree with uncommitted changes, tagged <tag>-dirty' },
  'no-cache': { type: 'boolean', description: 'do not use docker\'s build cache' },
} as const;

export const createRepositoryFlag = {
  'create-repository': { type: 'boolean', description: 'create the ECR repository (scan on push) when it does not exist' },
} as const;

/** The project at `dir` (or the current directory); it must have an image section. */
export async function requireImageProject(dir: string | undefined, io: CliIO): Promise<Project> {
  const root = dir ?? io.cwd;
  const project = await loadProject(root);
  if (!project?.configFile) {
    throw inputError('image.notConfigured', `no gitops-pilot.yaml in ${root}`, { hint: 'Run from the app repository (where gitops-pilot.yaml is), or pass --dir' });
  }
  if (!project.config) throw project.problems[0] ?? inputError('config.invalid', `${project.configFile} is not valid`);
  if (!project.config.image) {
    throw inputError('image.notConfigured', `${project.configFile} has no image section`, { hint: 'Add image: { repository: …, context: ., dockerfile: Dockerfile } to it' });
  }
  return project;
}

/** The image context for one command run: docker and ECR as the flags and environment say. */
export function imageContext(io: CliIO, f: { docker?: string; profile?: string; region?: string; 'ecr-endpoint'?: string }): ImageOpContext {
  // the SDK's "future versions will need Node 22" notice is not for a pipeline's stderr
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let last = '';
  const endpoint = f['ecr-endpoint'] ?? (io.env.GITOPS_PILOT_ECR_ENDPOINT || undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw inputError('cli.badFlag', `--ecr-endpoint must be an http(s) URL, not ${JSON.stringify(endpoint)}`);
  return {
    log: io.log,
    docker: new DockerCli({ path: f.docker ?? (io.env.GITOPS_PILOT_DOCKER || 'docker'), env: io.env, log: io.log }),
    ecr: {
      ...(f.profile ? { profile: f.profile } : {}),
      ...(f.region ? { region: f.region } : {}),
      ...(endpoint ? { endpoint } : {}),
    },
    clients: new EcrClients(io.log),
    tokens: new TokenCache(),
    gitPath: io.env.GITOPS_PILOT_GIT || undefined,
    env: io.env,
    signal: io.signal,
    // progress on stderr, once per change (stdout stays for the result / the JSON document)
    onProgress: (m) => {
      if (m === last) return;
      last = m;
      io.err(`  ${m}`);
    },
    onOutput: (line) => io.log.debug(line),
    limits: limitsFromEnv(io.env),
  };
}

/** Test and tuning knobs: GITOPS_PILOT_PUSH_IDLE_MS, GITOPS_PILOT_PUSH_ATTEMPTS, GITOPS_PILOT_RETRY_DELAY_MS. */
function limitsFromEnv(env: NodeJS.ProcessEnv): ImageOpContext['limits'] {
  const num = (k: string) => {
    const v = Number(env[k]);
    return env[k] !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const pushIdleMs = num('GITOPS_PILOT_PUSH_IDLE_MS');
  const pushAttempts = num('GITOPS_PILOT_PUSH_ATTEMPTS');
  const retryDelayMs = num('GITOPS_PILOT_RETRY_DELAY_MS');
  return { ...(pushIdleMs !== undefined ? { pushIdleMs } : {}), ...(pushAttempts !== undefined ? { pushAttempts } : {}), ...(retryDelayMs !== undefined ? { retryDelayMs } : {}) };
}

export function buildJson(b: BuildResult): Record<string, unknown> {
  return { image: b.image, repository: b.repository, tag: b.tag, imageId: b.imageId, dirty: b.dirty, tagSource: b.tagSource, gitSha: b.gitSha ?? null, builder: b.builder ?? null, steps: b.steps, cachedSteps: b.cachedSteps, durationMs: Math.round(b.durationMs) };
}

export function pushJson(p: PushResult): Record<string, unknown> {
  return { image: p.image, digest: p.digest, pinned: p.pinned, sizeBytes: p.sizeBytes ?? null, pushedAt: p.pushedAt ?? null, layers: p.layers, attempts: p.attempts, createdRepository: p.createdRepository, login: p.login, durationMs: Math.round(p.durationMs) };
}

export function printBuilt(b: BuildResult, io: CliIO): void {
  io.out(`built ${b.image} (${b.imageId.slice(0, 19)}) — ${b.tagSource}${b.dirty ? ', from uncommitted changes' : ''}`);
}

export function printPushed(p: PushResult, io: CliIO): void {
  io.out(`pushed ${p.image}`);
  io.out(`  digest ${p.digest}${p.attempts > 1 ? ` (${p.attempts} attempts)` : ''}${p.createdRepository ? ' — repository created' : ''}`);
}
