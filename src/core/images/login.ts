/**
 * Registry login for docker: `GetAuthorizationToken`, then `docker login --username AWS --password-stdin`
 * (the token is written to docker's stdin: never a command line, a log or an error). A login is cached per
 * (registry, profile, docker config) until five minutes before the token expires, and skipped entirely
 * when the user's Docker config already hands that registry to the ECR credential helper
 * (`credHelpers: { "<registry>": "ecr-login" }` or `credsStore: "ecr-login"`).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { PilotError } from '../errors';
import { registerSecret, type Logger } from '../log';
import { loginCall, type DockerCli } from './docker';
import type { EcrApi } from './ecr';

/** Logins are reused until this long before the token expires. */
export const TOKEN_MARGIN_MS = 5 * 60_000;

export interface CachedLogin {
  readonly expiresAt: number;
}

/** Remembers which docker logins are still good. One per extension host / CLI process. */
export class TokenCache {
  private readonly entries = new Map<string, CachedLogin>();

  constructor(private readonly now: () => number = Date.now) {}

  static key(registry: string, profile: string | undefined, dockerConfig: string | undefined): string {
    return JSON.stringify([registry, profile ?? '', dockerConfig ?? '']);
  }

  /** The login, while it has more than TOKEN_MARGIN_MS left. */
  get(key: string): CachedLogin | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt - TOKEN_MARGIN_MS <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, expiresAt: Date): void {
    this.entries.set(key, { expiresAt: expiresAt.getTime() });
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The folder holding docker's config.json: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

export interface CredentialHelper {
  /** e.g. `ecr-login` (the program is docker-credential-ecr-login) */
  readonly helper: string;
  readonly from: 'credHelpers' | 'credsStore';
}

/** The credential helper docker uses for `registry` per config.json, if any. */
export async function credentialHelperFor(registry: string, env: NodeJS.ProcessEnv): Promise<CredentialHelper | undefined> {
  let config: { credHelpers?: Record<string, unknown>; credsStore?: unknown };
  try {
    config = JSON.parse(await readFile(join(dockerConfigDir(env), 'config.json'), 'utf8')) as typeof config;
  } catch {
    return undefined;
  }
  const own = config.credHelpers?.[registry];
  if (typeof own === 'string' && own) return { helper: own, from: 'credHelpers' };
  if (typeof config.credsStore === 'string' && config.credsStore) return { helper: config.credsStore, from: 'credsStore' };
  return undefined;
}

function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

export interface LoginContext {
  readonly docker: DockerCli;
  readonly ecr: () => Promise<EcrApi>;
  readonly cache: TokenCache;
  readonly profile?: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

export type LoginOutcome = 'credential-helper' | 'cached' | 'logged-in';

/**
 * Makes sure docker can push to `registry`. `force` logs in again even if the cache says the login is good
 * (the registry refused it: the token expired or was revoked).
 */
export async function ensureRegistryLogin(ctx: LoginContext, registry: string, opts: { force?: boolean } = {}): Promise<LoginOutcome> {
  const env = ctx.docker.env;
  const helper = await credentialHelperFor(registry, env);
  if (helper?.helper === 'ecr-login') {
    if (!onPath('docker-credential-ecr-login', env)) {
      throw new PilotError('registry.helperMissing', `your Docker config hands ${registry} to the ECR credential helper, but docker-credential-ecr-login is not installed`, {
        hint: `Install amazon-ecr-credential-helper, or remove "${helper.from === 'credsStore' ? 'credsStore' : `credHelpers.${registry}`}" from ${join(dockerConfigDir(env), 'config.json')}`,
      });
    }
    ctx.log.info(`docker logs in to ${registry} through its ECR credential helper (${helper.from} in config.json)`);
    return 'credential-helper';
  }
  const key = TokenCache.key(registry, ctx.profile, ctx.docker.configDir());
  if (opts.force) ctx.cache.invalidate(key);
  else if (ctx.cache.get(key)) return 'cached';
  const ecr = await ctx.ecr();
  const token = await ecr.authorizationToken(ctx.signal);
  registerSecret(token.password);
  if (token.proxyEndpoint) {
    const host = token.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host !== registry) ctx.log.warn(`the ECR token is for ${host}, the image goes to ${registry}`);
  }
  await ctx.docker.run(loginCall(registry, token.username, token.password), { signal: ctx.signal, timeoutMs: 120_000, secrets: [token.password] });
  ctx.cache.set(key, token.expiresAt);
  ctx.log.info(`logged in to ${registry} (token valid until ${token.expiresAt.toISOString()})`);
  return 'logged-in';
}
