/**
 * The Docker CLI as data, in the style of vscode-containers' container client: each call is
 * `{ args, input?, parse }` — the arguments docker gets (never through a shell) and a pure function that
 * turns the finished process into an answer or a PilotError that says what went wrong and what to do.
 * Output parsers (the classic builder's `Step N/M`, BuildKit's `#N [stage i/n]`, `docker push` layer
 * lines and digest) are pure too, so all of this is unit-tested without Docker. `DockerCli` runs calls.
 */
import { PilotError, inputError } from '../errors';
import type { Logger } from '../log';
import { runProcess, type ProcessResult } from '../util/process';
import { analyseBuildFailure, NOISE, PushOutputParser, type LayerCounts } from './dockerOutput';
import { parseImageReference, registryOf, splitImageReference, validateTag } from './reference';

export * from './dockerOutput';

export interface DockerCall<T> {
  readonly args: readonly string[];
  /** written to docker's stdin (a registry password: never on the command line) */
  readonly input?: string;
  /** the answer, or a PilotError (a non-zero exit is classified here) */
  parse(result: ProcessResult): T;
}

// ── validation of what reaches docker's command line ─────────────────────────────────────────────

const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PLATFORM_ONE = '[a-z0-9_]+(?:/[a-z0-9_]+(?:/[a-z0-9_.]+)?)?';
const PLATFORM = new RegExp(`^${PLATFORM_ONE}(?:,${PLATFORM_ONE})*$`);
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;

export function checkBuildArgs(args: Readonly<Record<string, string>> | undefined): void {
  for (const [k, v] of Object.entries(args ?? {})) {
    if (!BUILD_ARG_NAME.test(k)) {
      throw inputError('build.badBuildArg', `build argument name ${JSON.stringify(k)} is not valid`, { hint: 'Build argument names are letters, digits and _ (image.buildArgs in gitops-pilot.yaml)' });
    }
    if (typeof v !== 'string' || v.includes('\0')) throw inputError('build.badBuildArg', `build argument ${k} must be a string without NUL characters`);
  }
}

export function checkTarget(target: string | undefined): void {
  if (target !== undefined && !STAGE_NAME.test(target)) {
    throw inputError('build.badTarget', `build target ${JSON.stringify(target)} is not a valid stage name`, { hint: 'Use the name after AS in the Dockerfile (image.target in gitops-pilot.yaml)' });
  }
}

export function checkPlatform(platform: string | undefined): void {
  if (platform !== undefined && !PLATFORM.test(platform)) {
    throw inputError('build.badPlatform', `platform ${JSON.stringify(platform)} is not valid`, { hint: 'For example linux/amd64 or linux/arm64/v8 (image.platform in gitops-pilot.yaml)' });
  }
}

/** A full `repository:tag` reference for docker; refused unless it follows the grammar. */
export function checkTaggedReference(ref: string): string {
  const r = parseImageReference(ref);
  if (!r.tag || r.digest) throw inputError('image.invalidReference', `${ref} must be repository:tag`);
  validateTag(r.tag);
  return ref;
}

// ── calls ─────────────────────────────────────────────────────────────────────────────────────────

export interface BuildCallRequest {
  /** absolute path of the build context */
  readonly context: string;
  /** absolute path of the Dockerfile */
  readonly dockerfile: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platform?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** absolute path where docker writes the image id (`--iidfile`) */
  readonly iidFile: string;
  readonly noCache?: boolean;
}

/**
 * `docker build` without `-t`: the image is tagged only after the build succeeded (see build.ts), so a
 * failed or cancelled build never leaves a tag half-applied. Paths are absolute, so none reads as an option.
 */
export function buildCall(req: BuildCallRequest): DockerCall<void> {
  checkBuildArgs(req.buildArgs);
  checkTarget(req.target);
  checkPlatform(req.platform);
  for (const p of [req.context, req.dockerfile, req.iidFile]) {
    if (!p.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(p)) throw new PilotError('build.relativePath', `internal: ${p} must be an absolute path`);
  }
  const args = ['build', '--file', req.dockerfile, '--iidfile', req.iidFile, '--force-rm'];
  for (const [k, v] of Object.entries(req.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(req.labels ?? {})) {
    if (!LABEL_KEY.test(k)) throw inputError('build.badLabel', `label ${JSON.stringify(k)} is not valid`);
    args.push('--label', `${k}=${v}`);
  }
  if (req.target) args.push('--target', req.target);
  if (req.platform) args.push('--platform', req.platform);
  if (req.noCache) args.push('--no-cache');
  args.push(req.context);
  return {
    args,
    parse(r) {
      if (r.code === 0) return;
      throw buildFailure(r);
    },
  };
}

export function tagCall(source: string, target: string): DockerCall<void> {
  checkTaggedReference(target);
  if (source.startsWith('-')) throw inputError('image.invalidReference', `${source} is not an image`);
  return {
    args: ['tag', source, target],
    parse(r) {
      if (r.code !== 0) throw commonFailure(r) ?? new PilotError('docker.tagFailed', `docker tag ${target} failed: ${lastLines(r, 2)}`, { detail: r.stderr });
    },
  };
}

export interface DockerPushOutput {
  readonly digest: string;
  /** manifest size in bytes */
  readonly size: number;
  readonly layers: LayerCounts;
}

export function pushCall(ref: string): DockerCall<DockerPushOutput> {
  checkTaggedReference(ref);
  return {
    args: ['push', ref],
    parse(r) {
      if (r.code !== 0 || r.timedOut) throw pushFailure(r, ref);
      const p = new PushOutputParser();
      for (const line of r.stdout.split('\n')) p.push(line);
      const d = p.digest;
      if (!d) {
        throw new PilotError('push.noDigest', `docker push ${ref} ended without reporting a digest`, {
          hint: 'Check the log; push again to confirm the image is in the registry',
          detail: r.stdout + r.stderr,
        });
      }
      return { digest: d.digest, size: d.size, layers: p.counts() };
    },
  };
}

/** `docker login --username U --password-stdin REGISTRY`: the password goes to stdin, never argv. */
export function loginCall(registry: string, username: string, password: string): DockerCall<void> {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*(?::\d+)?$|^\[[0-9a-fA-F:]+\](?::\d+)?$/.test(registry)) throw inputError('registry.invalidHost', `${JSON.stringify(registry)} is not a registry host`);
  if (!/^[A-Za-z0-9._@-]+$/.test(username)) throw inputError('registry.invalidUser', 'the registry user name is not valid');
  return {
    args: ['login', '--username', username, '--password-stdin', registry],
    input: password,
    parse(r) {
      if (r.code === 0) return;
      throw commonFailure(r) ?? loginFailure(r, registry);
    },
  };
}

export interface LocalImage {
  readonly id: string;
  readonly repository: string;
  readonly tag: string;
  readonly createdAt: string;
  readonly size: string;
}

/** Local images of a repository (`docker image ls REPO`), newest first as docker lists them. */
export function listImagesCall(repository: string): DockerCall<LocalImage[]> {
  parseImageReference(repository);
  return {
    args: ['image', 'ls', '--no-trunc', '--format', '{{json .}}', repository],
    parse(r) {
      if (r.code !== 0) throw commonFailure(r) ?? new PilotError('docker.listFailed', `listing local images failed: ${lastLines(r, 2)}`, { detail: r.stderr });
      return parseImageList(r.stdout);
    },
  };
}

export function parseImageList(stdout: string): LocalImage[] {
  const out: LocalImage[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as Record<string, string>;
      if (!j.Tag || j.Tag === '<none>') continue;
      out.push({ id: j.ID ?? '', repository: j.Repository ?? '', tag: j.Tag, createdAt: j.CreatedAt ?? '', size: j.Size ?? '' });
    } catch {
      // not one of ours
    }
  }
  return out;
}

/** The image id a reference names locally, or undefined when there is none. */
export function imageIdCall(ref: string): DockerCall<string | undefined> {
  if (ref.startsWith('-')) throw inputError('image.invalidReference', `${ref} is not an image`);
  return {
    args: ['image', 'inspect', '--format', '{{.Id}}', ref],
    parse(r) {
      if (r.code === 0) return r.stdout.trim() || undefined;
      if (/no such image|no such object/i.test(r.stderr)) return undefined;
      throw commonFailure(r) ?? new PilotError('docker.inspectFailed', `docker image inspect ${ref} failed: ${lastLines(r, 2)}`, { detail: r.stderr });
    },
  };
}

/** The daemon's version (proves it answers), or a docker.daemonDown error. */
export function serverVersionCall(): DockerCall<string> {
  return {
    args: ['version', '--format', '{{.Server.Version}}'],
    parse(r) {
      const v = r.stdout.trim();
      if (r.code === 0 && v) return v;
      throw commonFailure(r) ?? daemonDown(r);
    },
  };
}

function buildFailure(r: ProcessResult): PilotError {
  const output = `${r.stdout}\n${r.stderr}`;
  const common = commonFailure(r);
  if (common) return common;
  const info = analyseBuildFailure(mergeOutput(r));
  if (/unexpected EOF$|error reading from server|connection reset by peer|use of closed network connection/m.test(output)) {
    return new PilotError('docker.daemonStopped', `the Docker daemon stopped during the build${info.step ? ` (at ${info.step})` : ''}`, {
      hint: 'Start Docker again, then build again',
      detail: output,
    });
  }
  const missingBase = /pull access denied|manifest unknown|not found: manifest|repository does not exist|lookup registry-1\.docker\.io|dial tcp: lookup|no such host/.test(output) && /^FROM |^load metadata for /i.test(stripStep(info.step));
  return new PilotError('build.failed', `docker build failed${info.step ? ` at ${info.step}` : ''}: ${info.message}`, {
    hint: missingBase
      ? 'The base image could not be pulled: check the FROM line, or pull it first (docker pull)'
      : info.lines.length
        ? `Last output: ${info.lines.slice(-3).join(' | ')}`
        : 'See the log for the full build output',
    detail: output,
  });
}

function stripStep(step: string | undefined): string {
  return (step ?? '').replace(/^Step \d+\/\d+: |^\[[^\]]*\] /, '');
}

/** stdout then stderr: docker writes the steps to stdout and the final error to stderr. */
function mergeOutput(r: ProcessResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

// ── error classification ──────────────────────────────────────────────────────────────────────────

function lastLines(r: ProcessResult, n: number): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l && !NOISE.some((re) => re.test(l)));
  return lines.slice(-n).join(' ').slice(0, 400) || `exit code ${r.code ?? r.signal}`;
}

function daemonDown(r: ProcessResult): PilotError {
  return new PilotError('docker.daemonDown', 'the Docker daemon is not running (or not reachable)', {
    hint: 'Start Docker (Docker Desktop, or: sudo systemctl start docker), check DOCKER_HOST / the docker context, then try again',
    detail: `${r.stdout}\n${r.stderr}`,
  });
}

/** Failures any docker command can meet: the daemon is not there, or we may not talk to it. */
export function commonFailure(r: ProcessResult): PilotError | undefined {
  const text = `${r.stderr}\n${r.stdout}`;
  if (/permission denied while trying to connect to the Docker daemon/i.test(text)) {
    return new PilotError('docker.permissionDenied', 'you are not allowed to use the Docker daemon', {
      hint: 'Add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or use rootless Docker',
      detail: text,
    });
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running\?|error during connect|docker daemon is not running|dial unix \S*docker\.sock: connect: (?:no such file|connection refused)/i.test(text)) {
    return daemonDown(r);
  }
  if (/BuildKit is enabled but the buildx component is missing/.test(text)) {
    return new PilotError('docker.noBuildx', 'DOCKER_BUILDKIT=1 is set but the buildx plugin is not installed', {
      hint: 'Install docker-buildx, or unset DOCKER_BUILDKIT to use the classic builder',
      detail: text,
    });
  }
  return undefined;
}

function loginFailure(r: ProcessResult, registry: string): PilotError {
  const text = `${r.stderr}\n${r.stdout}`;
  if (/403 Forbidden|denied|expired/i.test(text)) {
    return new PilotError('registry.tokenExpired', `the registry ${registry} refused the login token (expired or revoked)`, {
      hint: 'Push again to get a fresh token; if it keeps failing, check your AWS credentials',
      detail: text,
    });
  }
  if (/401 Unauthorized|unauthorized/i.test(text)) {
    return new PilotError('registry.unauthorized', `the registry ${registry} refused the credentials`, { hint: 'Check the AWS account and region of the repository', detail: text });
  }
  const status = /failed with status: (5\d\d)|received unexpected HTTP status: (5\d\d)/.exec(text);
  if (status) {
    return new PilotError('registry.serverError', `the registry ${registry} failed with HTTP ${status[1] ?? status[2]} during the login`, { hint: 'It is usually temporary: push again in a moment', detail: text });
  }
  if (/toomanyrequests|429 Too Many Requests/i.test(text)) {
    return new PilotError('registry.throttled', `the registry ${registry} is limiting requests (429 Too Many Requests)`, { hint: 'Wait a moment and push again', detail: text });
  }
  if (/connection refused|no such host|i\/o timeout|dial tcp|TLS handshake|timeout|EOF/i.test(text)) {
    return registryUnreachable(registry, text);
  }
  return new PilotError('registry.loginFailed', `docker login ${registry} failed: ${lastLines(r, 2)}`, { detail: text });
}

function registryUnreachable(registry: string, text: string): PilotError {
  return new PilotError('registry.unreachable', `the registry ${registry} cannot be reached`, {
    hint: 'Check the network (VPN, proxy) and the repository URI in gitops-pilot.yaml, then push again',
    detail: text,
  });
}

/** Classifies a failed `docker push`. `timedOut` means the registry stopped answering. */
export function pushFailure(r: ProcessResult, ref: string): PilotError {
  const text = `${r.stderr}\n${r.stdout}`;
  const common = commonFailure(r);
  if (common) return common;
  // the one reference parser: `nginx:1` is pushed to docker.io, not to a host called "nginx:1"
  const parsed = splitImageReference(ref);
  const registry = registryOf(parsed.repository).registry;
  const repository = parsed.repository;
  const tag = parsed.tag ?? '';
  if (r.timedOut) {
    return new PilotError('registry.timeout', `the registry ${registry} stopped answering during the push of ${ref}`, {
      hint: 'Check the network and push again (layers already uploaded are not sent twice)',
      detail: text,
    });
  }
  if (/tag does not exist|An image does not exist locally with the tag|No such image/i.test(text)) {
    return inputError('image.notBuilt', `${ref} is not a local image`, { hint: 'Build it first (GitOps Pilot: Build Image, or gitops-pilot build)', detail: text });
  }
  if (/authorization token has expired|HTTP 403|403 Forbidden|denied: Your authorization token/i.test(text) && !/is not authorized to perform/.test(text)) {
    return new PilotError('registry.tokenExpired', `the registry login for ${registry} expired during the push`, { hint: 'Push again: GitOps Pilot logs in with a fresh token', detail: text });
  }
  const denied = /is not authorized to perform: (ecr:\w+)(?: on resource: (\S+))?/.exec(text);
  if (denied) {
    return new PilotError('registry.accessDenied', `access denied: your AWS identity may not ${denied[1]}${denied[2] ? ` on ${denied[2]}` : ''}`, {
      hint: `Ask for the ${denied[1]} permission on the repository (IAM policy), or use another profile (gitopsPilot.aws.profile)`,
      detail: text,
    });
  }
  if (/name unknown|NAME_UNKNOWN|repository with name '.*' does not exist/i.test(text)) {
    return new PilotError('registry.repositoryMissing', `the repository ${repository} does not exist in the registry`, {
      hint: 'Create it (Push Image offers to), or fix image.repository in gitops-pilot.yaml',
      detail: text,
    });
  }
  if (/tag invalid|TAG_INVALID|cannot be overwritten because the repository is immutable/i.test(text)) {
    return immutableTagError(repository, tag, text);
  }
  if (/no basic auth credentials|unauthorized|authentication required|401 Unauthorized/i.test(text)) {
    return new PilotError('registry.unauthorized', `the registry ${registry} wants credentials that docker does not have`, {
      hint: 'Push again so GitOps Pilot logs in, or check the credential helper in your Docker config',
      detail: text,
    });
  }
  if (/toomanyrequests|429 Too Many Requests|TOOMANYREQUESTS/i.test(text)) {
    return new PilotError('registry.throttled', `the registry ${registry} is limiting requests (429 Too Many Requests)`, { hint: 'Wait a moment and push again', detail: text });
  }
  const status = /received unexpected HTTP status: (5\d\d)[^\n]*|(5\d\d) (?:Service Unavailable|Internal Server Error|Bad Gateway|Gateway Timeout)/.exec(text);
  if (status) {
    return new PilotError('registry.serverError', `the registry ${registry} failed with HTTP ${status[1] ?? status[2]} during the push`, {
      hint: 'It is usually temporary: push again in a moment',
      detail: text,
    });
  }
  if (/connection refused|no such host|i\/o timeout|dial tcp|TLS handshake timeout|connection reset by peer|EOF|broken pipe|net\/http/i.test(text)) {
    return registryUnreachable(registry, text);
  }
  return new PilotError('push.failed', `docker push ${ref} failed: ${lastLines(r, 2)}`, { hint: 'See the log for docker\'s output', detail: text });
}

export function immutableTagError(repository: string, tag: string, detail?: string): PilotError {
  return inputError('registry.tagImmutable', `${repository}:${tag} already exists and the repository is immutable (its tags cannot be overwritten)`, {
    hint: 'Build from a new commit (a new tag), or deploy the image that is already there',
    ...(detail ? { detail } : {}),
  });
}

// ── runner ────────────────────────────────────────────────────────────────────────────────────────

export interface DockerCliOptions {
  /** the docker executable (gitopsPilot.docker.path; default `docker`) */
  readonly path?: string;
  /** docker's environment (default this process's): DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT … */
  readonly env?: NodeJS.ProcessEnv;
  readonly log: Logger;
}

export interface RunCallOptions {
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly cwd?: string;
  readonly secrets?: readonly string[];
}

/** Runs DockerCalls with one docker executable and environment. */
export class DockerCli {
  readonly path: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;

  constructor(opts: DockerCliOptions) {
    this.path = opts.path || 'docker';
    this.log = opts.log;
    const env = { ...(opts.env ?? process.env) };
    // no "What's next" hints in our output
    env.DOCKER_CLI_HINTS = 'false';
    this.env = env;
  }

  async run<T>(call: DockerCall<T>, opts: RunCallOptions = {}): Promise<T> {
    const r = await runProcess(this.path, call.args, {
      env: this.env,
      input: call.input,
      signal: opts.signal,
      onLine: opts.onLine,
      timeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      cwd: opts.cwd,
      secrets: [...(opts.secrets ?? []), ...(call.input ? [call.input] : [])],
      log: this.log,
      program: {
        name: 'The Docker CLI',
        code: 'docker.notInstalled',
        hint: 'Install Docker (https://docs.docker.com/get-docker/), or set gitopsPilot.docker.path (GITOPS_PILOT_DOCKER for the CLI) to the docker executable',
      },
    });
    return call.parse(r);
  }

  /** The registry host part of DOCKER_CONFIG / ~/.docker: where `docker login` stores credentials. */
  configDir(): string | undefined {
    return this.env.DOCKER_CONFIG || undefined;
  }
}
