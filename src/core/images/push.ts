/**
 * Push Image: make sure the ECR repository exists (create it, scan-on-push on, only when the caller says
 * yes), refuse an existing tag in an immutable repository before any upload, log docker in (see
 * login.ts), `docker push` with a progress summary, and confirm with DescribeImages that the registry has
 * the digest docker reported. Only a confirmed push is reported as pushed.
 *
 * Recovering: a login the registry refuses mid-push (the token expired) is renewed once and the push
 * retried; 5xx answers, resets and a registry that stops answering are retried with backoff (layers
 * already uploaded are not sent again). Everything else fails at once with its own message.
 */
import type { Project } from '../config/model';
import { inputError, PilotError } from '../errors';
import { delay } from '../util/time';
import { ecrSettingsFor, type ImageOpContext } from './context';
import { imageIdCall, immutableTagError, PushOutputParser, pushCall, type LayerCounts } from './docker';
import { imageTarget, type EcrApi, type RemoteImage, type RepositoryInfo } from './ecr';
import { ensureRegistryLogin, type LoginOutcome } from './login';
import { parseImageReference, registryOf, validateTag } from './reference';

export interface PushRequest {
  readonly project: Project;
  /** the tag to push (a local image `repository:tag` must exist) */
  readonly tag: string;
  /** the local repository docker tagged the image with, when already known (from the build) */
  readonly repository?: string;
  /** set when the image was built a moment ago by this process: the local image is known to exist */
  readonly built?: boolean;
  /** asked when the ECR repository does not exist; true creates it (scan-on-push on) */
  readonly createRepository?: (name: string) => Promise<boolean> | boolean;
}

export interface PushResult {
  readonly image: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** `repository@digest` */
  readonly pinned: string;
  readonly sizeBytes?: number;
  readonly pushedAt?: string;
  readonly layers: LayerCounts;
  readonly attempts: number;
  readonly createdRepository: boolean;
  readonly login: LoginOutcome;
  readonly durationMs: number;
}

const TRANSIENT = new Set(['registry.serverError', 'registry.unreachable', 'registry.timeout', 'registry.throttled', 'registry.retrying']);
const RELOGIN = new Set(['registry.tokenExpired', 'registry.unauthorized']);

export async function pushImage(ctx: ImageOpContext, req: PushRequest): Promise<PushResult> {
  const t0 = performance.now();
  validateTag(req.tag);
  const image = req.project.config?.image;
  if (!req.project.configFile || !image) {
    throw inputError('image.notConfigured', `${req.project.root} has no image section in gitops-pilot.yaml`, { hint: 'Add image: { repository: … } to gitops-pilot.yaml' });
  }
  const target = imageTarget(image);
  const settings = ecrSettingsFor(ctx.ecr, target);
  const ecr = await ctx.clients.get(settings);

  // the repository, created only when the caller agrees; the image must be here (unless it was just built)
  // before anyone is asked to create a repository for it
  ctx.onProgress?.('checking the repository');
  let repo = await ecr.repository(target.name, ctx.signal);
  const known = req.repository ?? (target.registry ? target.configured : repo?.uri);
  if (known && !req.built) await requireLocalImage(ctx, `${known}:${req.tag}`);
  let created = false;
  if (!repo) {
    const yes = req.createRepository ? await req.createRepository(target.name) : false;
    if (!yes) {
      throw new PilotError('registry.repositoryMissing', `the ECR repository ${target.name} does not exist`, {
        hint: 'Create it (Push Image asks; on the command line add --create-repository), or fix image.repository in gitops-pilot.yaml',
      });
    }
    ctx.onProgress?.(`creating the repository ${target.name}`);
    repo = await ecr.createRepository(target.name, ctx.signal);
    created = true;
  }
  const repository = known ?? repo.uri;
  if (target.registry && repo.uri && repo.uri !== target.configured) {
    ctx.log.warn(`ECR names the repository ${repo.uri}; pushing to ${target.configured} as configured`);
  }
  const ref = `${repository}:${req.tag}`;
  const registry = registryOf(parseImageReference(repository).repository).registry;

  // the image must be here, and an immutable repository must not have the tag yet
  if (!known && !req.built) await requireLocalImage(ctx, ref);
  if (repo.immutable) await refuseExistingTag(ctx, ecr, repo, req.tag);

  // log in and push: a refused login is renewed once, passing registry trouble is retried, then confirm
  const loginCtx = { docker: ctx.docker, ecr: () => Promise.resolve(ecr), cache: ctx.tokens, profile: settings.profile, log: ctx.log, signal: ctx.signal };
  const maxAttempts = Math.max(1, ctx.limits?.pushAttempts ?? 3);
  let login: LoginOutcome | undefined;
  let forceLogin = false;
  let attempts = 0;
  let transientFailures = 0;
  let renewed = false;
  let pushed: { digest: string; size: number; layers: LayerCounts } | undefined;
  while (!pushed) {
    try {
      if (!login || forceLogin) {
        ctx.onProgress?.(`logging in to ${registry}${forceLogin ? ' again' : ''}`);
        login = await ensureRegistryLogin(loginCtx, registry, { force: forceLogin });
        forceLogin = false;
      }
      attempts++;
      pushed = await pushOnce(ctx, ref, req.tag, attempts);
    } catch (err) {
      if (!(err instanceof PilotError)) throw err;
      if (RELOGIN.has(err.code) && !renewed && login !== 'credential-helper') {
        renewed = true;
        forceLogin = true;
        ctx.log.warn(`${err.message}: logging in again and retrying once`);
        continue;
      }
      if (TRANSIENT.has(err.code) && transientFailures + 1 < maxAttempts) {
        transientFailures++;
        const wait = (ctx.limits?.retryDelayMs ?? 2_000) * 2 ** (transientFailures - 1);
        ctx.log.warn(`${err.message}: retrying in ${(wait / 1000).toFixed(1)} s`);
        ctx.onProgress?.(`registry trouble; retrying in ${Math.ceil(wait / 1000)} s`);
        await delay(wait, ctx.signal);
        continue;
      }
      if (err.code === 'registry.tagImmutable' || TRANSIENT.has(err.code) || RELOGIN.has(err.code)) {
        throw new PilotError(err.code, `${err.message}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`, { kind: err.kind, hint: err.hint, detail: err.detail, cause: err });
      }
      throw err;
    }
  }
  ctx.onProgress?.(`confirming ${req.tag} in ECR`);
  const confirmed = await confirmInRegistry(ctx, ecr, target.name, req.tag, pushed.digest);
  const durationMs = performance.now() - t0;
  ctx.log.info(`pushed ${ref} (${pushed.digest}), confirmed by ECR, in ${(durationMs / 1000).toFixed(1)} s`);
  return {
    image: ref,
    repository,
    tag: req.tag,
    digest: pushed.digest,
    pinned: `${repository}@${pushed.digest}`,
    ...(confirmed.sizeBytes !== undefined ? { sizeBytes: confirmed.sizeBytes } : {}),
    ...(confirmed.pushedAt ? { pushedAt: confirmed.pushedAt } : {}),
    layers: pushed.layers,
    attempts,
    createdRepository: created,
    login: login ?? 'logged-in',
    durationMs,
  };
}

/**
 * One `docker push`. Docker retries a failing layer by itself (5 s, then 10 s, 15 s …, five times): once a
 * layer starts its second retry round the session is stuck (an upload that keeps failing, or auth that went
 * wrong when the registry's first answer was an error), so it is stopped and the caller starts a fresh one.
 */
async function pushOnce(ctx: ImageOpContext, ref: string, tag: string, attempt: number): Promise<{ digest: string; size: number; layers: LayerCounts }> {
  const parser = new PushOutputParser();
  const stuck = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stuck.signal]) : stuck.signal;
  ctx.log.info(`pushing ${ref}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
  try {
    return await ctx.docker.run(pushCall(ref), {
      signal,
      idleTimeoutMs: ctx.limits?.pushIdleMs ?? 5 * 60_000,
      onLine: (line) => {
        ctx.onOutput?.(line);
        if (parser.push(line)) ctx.onProgress?.(`pushing ${tag}: ${parser.progressMessage()}`);
        if (parser.longestRetryWait >= 10 && !stuck.signal.aborted) stuck.abort();
      },
    });
  } catch (err) {
    if (stuck.signal.aborted && !ctx.signal?.aborted) {
      throw new PilotError('registry.retrying', `docker could not upload a layer of ${ref} after retrying it`, { hint: 'Check the registry and the network, then push again', detail: parser.describeLayers(), cause: err });
    }
    throw err;
  }
}

async function refuseExistingTag(ctx: ImageOpContext, ecr: EcrApi, repo: RepositoryInfo, tag: string): Promise<void> {
  const existing = await ecr.image(repo.name, tag, ctx.signal);
  if (existing) throw immutableTagError(repo.uri, tag, `the tag names ${existing.digest}, pushed ${existing.pushedAt ?? 'earlier'}`);
}

/**
 * DescribeImages must report the digest docker pushed. A failing ECR API is asked again a few times; a
 * different or missing digest is an error (the image is not reported as pushed).
 */
async function confirmInRegistry(ctx: ImageOpContext, ecr: EcrApi, name: string, tag: string, digest: string): Promise<RemoteImage> {
  let lastErr: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      const found = await ecr.image(name, tag, ctx.signal);
      if (!found) {
        throw new PilotError('push.notConfirmed', `docker reported ${name}:${tag} pushed, but ECR does not list it`, { hint: 'Push again; if it persists, check the repository in the AWS console' });
      }
      if (found.digest !== digest) {
        throw new PilotError('push.notConfirmed', `ECR lists ${name}:${tag} as ${found.digest}, not the ${digest} docker pushed (someone pushed the tag at the same time?)`, {
          hint: 'Build and push again from a new commit',
        });
      }
      return found;
    } catch (err) {
      if (!(err instanceof PilotError) || !['ecr.unavailable', 'ecr.unreachable'].includes(err.code)) throw err;
      lastErr = err;
      await delay((ctx.limits?.retryDelayMs ?? 2_000) * (i + 1), ctx.signal);
    }
  }
  const e = lastErr as PilotError;
  throw new PilotError('push.notConfirmed', `the push of ${name}:${tag} could not be confirmed: ${e.message}`, { hint: 'Check the Images view (or push again) before deploying it', cause: e });
}

/** Refuses a reference that is not a local image. */
async function requireLocalImage(ctx: ImageOpContext, ref: string): Promise<void> {
  const local = await ctx.docker.run(imageIdCall(ref), { signal: ctx.signal, timeoutMs: 60_000 });
  if (!local) throw inputError('image.notBuilt', `${ref} is not a local image`, { hint: 'Build it first (GitOps Pilot: Build Image, or gitops-pilot build)' });
}
