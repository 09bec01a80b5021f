/**
 * Build Image: decide the tag (tag policy), then `docker build` the configured context and Dockerfile with
 * the configured build args, target and platform, streaming each line to the log and the current step to
 * the progress message. The image is tagged only after the build succeeded, so a failed or cancelled build
 * never leaves `repository:tag` pointing at something half-built. Inputs are checked before docker runs.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { Project } from '../config/model';
import { cancelled, inputError, PilotError } from '../errors';
import { BuildOutputParser, buildCall, checkBuildArgs, checkPlatform, checkTarget, imageIdCall, serverVersionCall, tagCall } from './docker';
import { ecrSettingsFor, type ImageOpContext } from './context';
import { imageTarget, type ImageTarget } from './ecr';
import { validateTag } from './reference';
import { BuildCounter, branchFromEnv, buildNumberFromEnv, computeTag, nextBuildNumber, readGitFacts, readPackageVersion, type ComputedTag, type GitFacts } from './tagPolicy';

export interface BuildRequest {
  readonly project: Project;
  /** a Dockerfile other than the configured one (the explorer's context menu); its folder is then the context unless it is the configured Dockerfile */
  readonly dockerfile?: string;
  /** use this tag instead of the policy's (still validated; never only `latest`) */
  readonly tag?: string;
  /** accept a `-dirty` tag when the build inputs have uncommitted changes */
  readonly allowDirty?: boolean;
  readonly noCache?: boolean;
}

export interface BuildPlan {
  readonly project: Project;
  readonly target: ImageTarget;
  /** `host/name`, as docker tags it */
  readonly repository: string;
  readonly tag: ComputedTag;
  /** `repository:tag` */
  readonly image: string;
  readonly context: string;
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly target_?: string;
  readonly platform?: string;
  readonly git?: GitFacts;
  readonly buildNumber?: number;
  /** the CI variable the build number came from (then it is not recorded in the local counter) */
  readonly buildNumberFrom?: string;
}

export interface BuildResult {
  readonly image: string;
  readonly repository: string;
  readonly tag: string;
  readonly imageId: string;
  readonly dirty: boolean;
  /** how the tag was made */
  readonly tagSource: string;
  readonly gitSha?: string;
  readonly builder?: 'classic' | 'buildkit';
  readonly steps: number;
  readonly cachedSteps: number;
  readonly durationMs: number;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** The git work tree holding `dir` (the nearest folder with a .git entry), else `dir` itself. No process runs. */
async function repositoryRoot(dir: string): Promise<string> {
  for (let d = resolve(dir); ; ) {
    try {
      await stat(join(d, '.git'));
      return d;
    } catch {
      const up = resolve(d, '..');
      if (up === d) return resolve(dir);
      d = up;
    }
  }
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/**
 * The registry host and repository docker tags the image with: the configured URI when it names a
 * registry, else ECR's URI for the repository name (or the registry the login token is for).
 */
export async function resolveRepository(ctx: ImageOpContext, target: ImageTarget): Promise<string> {
  if (target.registry) return target.configured;
  const ecr = await ctx.clients.get(ecrSettingsFor(ctx.ecr, target));
  const repo = await ecr.repository(target.name, ctx.signal);
  if (repo) return repo.uri;
  const token = await ecr.authorizationToken(ctx.signal);
  const host = token.proxyEndpoint?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!host) throw new PilotError('ecr.noRegistry', `ECR did not say which registry ${target.name} would be in`, { hint: 'Give the full repository URI in image.repository' });
  return `${host}/${target.name}`;
}

/** Everything a build needs, checked; the tag decided. Runs git (and ECR for bare names / build numbers), never docker. */
export async function planBuild(ctx: ImageOpContext, req: BuildRequest): Promise<BuildPlan> {
  const { project } = req;
  const image = project.config?.image;
  if (!project.configFile || !image) {
    throw inputError('image.notConfigured', `${project.root} has no image section in gitops-pilot.yaml`, {
      hint: 'Add image: { repository: …, context: ., dockerfile: Dockerfile } to gitops-pilot.yaml',
    });
  }
  const target = imageTarget(image);
  checkBuildArgs(image.buildArgs);
  checkTarget(image.target);
  checkPlatform(image.platform);
  if (req.tag !== undefined) validateTag(req.tag);
  if (req.tag === 'latest') {
    throw inputError('tag.latest', 'an image is never tagged only latest', { hint: 'Use the tag policy (image.tag in gitops-pilot.yaml) or a version' });
  }

  const configuredDockerfile = resolve(project.root, image.dockerfile ?? 'Dockerfile');
  const dockerfile = req.dockerfile ? resolve(req.dockerfile) : configuredDockerfile;
  const context = req.dockerfile && dockerfile !== configuredDockerfile ? resolve(dockerfile, '..') : resolve(project.root, image.context ?? '.');
  // the build reads only the project's own repository: a context or Dockerfile elsewhere (../../.., /) would
  // send files from outside it to the Docker daemon and into an image that is then pushed
  const boundary = await repositoryRoot(project.root);
  for (const [what, p] of [['build context', context], ['Dockerfile', dockerfile]] as const) {
    const rel = relative(boundary, p);
    if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(boundary, rel) !== p) {
      throw inputError('build.outsideRepository', `the ${what} ${p} is outside the repository ${boundary}`, {
        hint: `Point image.${what === 'Dockerfile' ? 'dockerfile' : 'context'} in gitops-pilot.yaml at a path inside the repository`,
      });
    }
  }
  if (!(await isDir(context))) {
    throw inputError('build.noContext', `the build context ${context} does not exist`, { hint: 'Fix image.context in gitops-pilot.yaml (relative to the file)' });
  }
  if (!(await isFile(dockerfile))) {
    throw inputError('build.noDockerfile', `the Dockerfile ${dockerfile} does not exist`, { hint: 'Fix image.dockerfile in gitops-pilot.yaml (relative to the file), or create it' });
  }

  const policy = image.tag ?? 'sha';
  let git: GitFacts | undefined;
  try {
    git = await readGitFacts(project.root, [context, dockerfile], { gitPath: ctx.gitPath, log: ctx.log, signal: ctx.signal, versions: policy === 'semver' });
  } catch (err) {
    // the build policy and an explicit tag do not need git; the others say why they do
    if (!(err instanceof PilotError && err.kind === 'input' && (policy === 'build' || req.tag !== undefined || policy === 'semver'))) throw err;
  }
  const repository = await resolveRepository(ctx, target);
  let buildNumber: number | undefined;
  let buildNumberFrom: string | undefined;
  let tag: ComputedTag;
  if (req.tag !== undefined) {
    const dirty = (git?.dirtyFiles.length ?? 0) > 0;
    tag = { tag: req.tag, dirty: false, source: dirty ? 'given (the working tree has changes)' : 'given' };
  } else {
    const fromCi = policy === 'build' ? buildNumberFromEnv(ctx.env) : undefined;
    if (fromCi) {
      buildNumber = fromCi.n;
      buildNumberFrom = fromCi.from;
    } else if (policy === 'build') {
      buildNumber = await chooseBuildNumber(ctx, target, repository, git);
    }
    const packageVersion = policy === 'semver' ? ((await readPackageVersion(project.root)) ?? (await readPackageVersion(context))) : undefined;
    tag = computeTag({ policy, git, packageVersion, buildNumber, buildNumberFrom, allowDirty: req.allowDirty, branchFallback: branchFromEnv(ctx.env) });
  }
  return {
    project,
    target,
    repository,
    tag,
    image: `${repository}:${tag.tag}`,
    context,
    dockerfile,
    buildArgs: image.buildArgs ?? {},
    ...(image.target ? { target_: image.target } : {}),
    ...(image.platform ? { platform: image.platform } : {}),
    ...(git ? { git } : {}),
    ...(buildNumber !== undefined ? { buildNumber } : {}),
    ...(buildNumberFrom !== undefined ? { buildNumberFrom } : {}),
  };
}

/** The CI's build number (buildNumberFromEnv), else one more than the registry's highest build-<n> tag and the local counter. */
async function chooseBuildNumber(ctx: ImageOpContext, target: ImageTarget, repository: string, git: GitFacts | undefined): Promise<number> {
  const counter = git ? BuildCounter.forGitDir(git.gitDir) : undefined;
  const last = await counter?.last(repository);
  let tags: string[] = [];
  try {
    const ecr = await ctx.clients.get(ecrSettingsFor(ctx.ecr, target));
    tags = (await ecr.images(target.name, 1000, ctx.signal)).flatMap((i) => i.tags);
  } catch (err) {
    if (err instanceof PilotError && err.kind === 'cancelled') throw err;
    if (!(err instanceof PilotError && err.code === 'registry.repositoryMissing')) {
      ctx.log.warn(`could not read the registry's build numbers (${err instanceof Error ? err.message : String(err)}); counting from this machine's last build`);
    }
  }
  return nextBuildNumber(tags, last);
}

/** Runs docker build for a plan, then tags the image. */
export async function runBuild(ctx: ImageOpContext, plan: BuildPlan, opts: { noCache?: boolean } = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'gitops-pilot-build-'));
  const iidFile = join(dir, 'iid');
  const parser = new BuildOutputParser();
  const rel = relative(plan.project.root, plan.context).split(sep).join('/') || '.';
  ctx.log.info(`building ${plan.image} (${plan.tag.source}) from ${rel}`);
  ctx.onProgress?.(`building ${plan.tag.tag}`);
  try {
    const call = buildCall({
      context: plan.context,
      dockerfile: plan.dockerfile,
      iidFile,
      buildArgs: plan.buildArgs,
      ...(plan.target_ ? { target: plan.target_ } : {}),
      ...(plan.platform ? { platform: plan.platform } : {}),
      ...(plan.git ? { labels: { 'org.opencontainers.image.revision': plan.git.sha } } : {}),
      ...(opts.noCache ? { noCache: true } : {}),
    });
    try {
      await ctx.docker.run(call, {
        signal: ctx.signal,
        cwd: plan.project.root,
        idleTimeoutMs: ctx.limits?.buildIdleMs,
        onLine: (line) => {
          ctx.onOutput?.(line);
          if (parser.push(line)) {
            const m = parser.progressMessage();
            if (m) ctx.onProgress?.(m);
          }
        },
      });
    } catch (err) {
      if (err instanceof PilotError && err.code === 'build.failed') throw await daemonGoneOr(ctx, err, parser);
      throw err;
    }
    const id = (await readFile(iidFile, 'utf8').catch(() => '')).trim() || (parser.imageId ? await imageId(ctx, parser.imageId) : '');
    if (!id) throw new PilotError('build.noImageId', 'docker build succeeded but did not say which image it built', { hint: 'See the log; build again' });
    // the last moment to cancel: after this the tag exists
    if (ctx.signal?.aborted) throw cancelled();
    await ctx.docker.run(tagCall(id, plan.image), { timeoutMs: 60_000 });
    if (plan.buildNumber !== undefined && plan.git && plan.buildNumberFrom === undefined) {
      await BuildCounter.forGitDir(plan.git.gitDir).record(plan.repository, plan.buildNumber).catch((e: unknown) => ctx.log.warn(`could not record build number ${plan.buildNumber}: ${String(e)}`));
    }
    const durationMs = performance.now() - t0;
    const result: BuildResult = {
      image: plan.image,
      repository: plan.repository,
      tag: plan.tag.tag,
      imageId: id,
      dirty: plan.tag.dirty,
      tagSource: plan.tag.source,
      ...(plan.git ? { gitSha: plan.git.sha } : {}),
      ...(parser.builder ? { builder: parser.builder } : {}),
      steps: parser.steps.filter((s) => !s.internal && s.index !== undefined).length,
      cachedSteps: parser.steps.filter((s) => s.cached).length,
      durationMs,
    };
    ctx.log.info(`built ${plan.image} (${id.slice(0, 19)}) in ${(durationMs / 1000).toFixed(1)} s`);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function imageId(ctx: ImageOpContext, shortId: string): Promise<string> {
  return (await ctx.docker.run(imageIdCall(shortId), { timeoutMs: 30_000 })) ?? '';
}

/** A failed build whose daemon is gone now was stopped by the daemon, not by the Dockerfile. */
async function daemonGoneOr(ctx: ImageOpContext, err: PilotError, parser: BuildOutputParser): Promise<PilotError> {
  try {
    await ctx.docker.run(serverVersionCall(), { timeoutMs: 15_000 });
    return err;
  } catch (e) {
    if (e instanceof PilotError && e.code === 'docker.daemonDown') {
      const at = parser.progressMessage();
      return new PilotError('docker.daemonStopped', `the Docker daemon stopped during the build${at ? ` (at ${at})` : ''}`, { hint: 'Start Docker again, then build again', detail: err.detail });
    }
    return err;
  }
}

/** planBuild + runBuild. */
export async function buildImage(ctx: ImageOpContext, req: BuildRequest): Promise<BuildResult> {
  const plan = await planBuild(ctx, req);
  return runBuild(ctx, plan, { noCache: req.noCache });
}
