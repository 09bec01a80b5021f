/**
 * Where a promotion pull request goes: the provider (GitHub or GitLab), its API and the repository,
 * from `gitops.pullRequests` in gitops-pilot.yaml and, for whatever that leaves out, from the GitOps
 * clone's remote URL (https://, ssh://, scp-like git@host:path). github.com and gitlab.com are known;
 * any other host is GitHub Enterprise or self-managed GitLab when its name says so, else config must.
 */
import type { PullRequestsConfig } from '../config/model';
import { inputError } from '../errors';

export type Provider = 'github' | 'gitlab';

export interface PullRequestTarget {
  readonly provider: Provider;
  /** REST base: https://api.github.com, https://ghe.example.com/api/v3, https://gitlab.example.com (gitbeaker adds /api/v4) */
  readonly api: string;
  /** owner/name, or group/subgroup/project on GitLab */
  readonly repository: string;
  /** the repository's page, for links in the body (https://github.com/owner/name) */
  readonly webUrl: string;
}

export interface ParsedRemote {
  readonly host: string;
  /** the path without a leading slash and without .git */
  readonly path: string;
  /** http: only for a plain-http remote (a local test server); https otherwise */
  readonly scheme: 'https' | 'http';
}

/** Reads host and path from a git remote URL; undefined for a local path or an unknown form. */
export function parseRemoteUrl(url: string): ParsedRemote | undefined {
  const u = url.trim();
  const clean = (p: string) => p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  const m = /^(https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::(\d+))?\/(.+)$/.exec(u);
  if (m) {
    const [, scheme, host, port, path] = m;
    // an ssh port is not the web port: keep it only for http(s)
    const h = port && (scheme === 'https' || scheme === 'http') ? `${host}:${port}` : host!;
    return { host: h.toLowerCase(), path: clean(path!), scheme: scheme === 'http' ? 'http' : 'https' };
  }
  const scp = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !/^[A-Za-z]$/.test(scp[1]!)) return { host: scp[1]!.toLowerCase(), path: clean(scp[2]!), scheme: 'https' };
  return undefined;
}

/** The provider a host name implies, when it does. */
export function providerOfHost(host: string): Provider | undefined {
  const name = host.replace(/:\d+$/, '');
  if (name === 'github.com' || name.endsWith('.ghe.com') || /(^|[.-])github([.-]|$)/.test(name)) return 'github';
  if (name === 'gitlab.com' || /(^|[.-])gitlab([.-]|$)/.test(name)) return 'gitlab';
  return undefined;
}

function defaultApi(provider: Provider, remote: ParsedRemote): string {
  const origin = `${remote.scheme}://${remote.host}`;
  if (provider === 'github') {
    if (remote.host === 'github.com') return 'https://api.github.com';
    // GitHub Enterprise Cloud with data residency: api.<subdomain>.ghe.com
    if (remote.host.endsWith('.ghe.com')) return `https://api.${remote.host}`;
    return `${origin}/api/v3`;
  }
  return origin;
}

/** The web page of an API's host: https://api.github.com -> https://github.com, …/api/v3 -> the host. */
function webOrigin(provider: Provider, api: string): string {
  const u = new URL(api);
  if (provider === 'github' && u.hostname === 'api.github.com') return 'https://github.com';
  if (provider === 'github' && u.hostname.startsWith('api.') && u.hostname.endsWith('.ghe.com')) return `https://${u.hostname.slice(4)}`;
  return u.origin;
}

/** Strips a trailing /api/v4 from a GitLab API URL: the client adds it. */
export function gitlabHost(api: string): string {
  return api.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
}

/**
 * The target for a project: config first, then the remote URL. Throws an input error (nothing pushed)
 * naming the missing key when neither says.
 */
export function resolveTarget(config: PullRequestsConfig | undefined, remoteUrl: string | undefined, remoteName = 'origin'): PullRequestTarget {
  const remote = remoteUrl ? parseRemoteUrl(remoteUrl) : undefined;
  const apiHost = config?.api ? safeUrl(config.api)?.host : undefined;
  const provider = config?.provider ?? (apiHost ? providerOfHost(apiHost) : undefined) ?? (remote ? providerOfHost(remote.host) : undefined);
  if (!provider) {
    throw inputError('pr.noProvider', remote
      ? `cannot tell whether ${remote.host} (the host of remote "${remoteName}") is GitHub or GitLab`
      : `the remote "${remoteName}" (${remoteUrl ?? 'none'}) names no GitHub or GitLab host`, {
      hint: 'Set gitops.pullRequests.provider (github or gitlab), api and repository in gitops-pilot.yaml',
    });
  }
  const api = (config?.api ?? (remote ? defaultApi(provider, remote) : undefined))?.replace(/\/+$/, '');
  if (!api) {
    throw inputError('pr.noApi', `no API URL for the ${label(provider)} pull requests: the remote "${remoteName}" is not a ${label(provider)} URL`, {
      hint: 'Set gitops.pullRequests.api in gitops-pilot.yaml (e.g. https://ghe.example.com/api/v3)',
    });
  }
  if (!safeUrl(api)) throw inputError('pr.badApi', `gitops.pullRequests.api ${JSON.stringify(api)} is not a URL`, { hint: 'Use an https:// URL' });
  const repository = config?.repository ?? remote?.path;
  if (!repository || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(repository) || (provider === 'github' && repository.split('/').length !== 2)) {
    throw inputError('pr.noRepository', repository ? `${JSON.stringify(repository)} is not a ${label(provider)} repository path` : `no repository for the pull requests: the remote "${remoteName}" has no owner/name path`, {
      hint: 'Set gitops.pullRequests.repository in gitops-pilot.yaml (owner/name, or group/project on GitLab)',
    });
  }
  const origin = provider === 'gitlab' ? gitlabHost(api) : webOrigin(provider, api);
  return { provider, api: provider === 'gitlab' ? gitlabHost(api) : api, repository, webUrl: `${origin.replace(/\/+$/, '')}/${repository}` };
}

function safeUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export function label(p: Provider): string {
  return p === 'github' ? 'GitHub' : 'GitLab';
}

/** The environment variables a token is read from in the CLI, in order. */
export function tokenVariables(p: Provider): readonly string[] {
  return p === 'github' ? ['GITHUB_TOKEN', 'GH_TOKEN'] : ['GITLAB_TOKEN'];
}

export function tokenFromEnv(p: Provider, env: NodeJS.ProcessEnv): string | undefined {
  for (const v of tokenVariables(p)) if (env[v]?.trim()) return env[v]!.trim();
  return undefined;
}

/** A commit's page on the host. */
export function commitUrl(target: PullRequestTarget, sha: string): string {
  return target.provider === 'github' ? `${target.webUrl}/commit/${sha}` : `${target.webUrl}/-/commit/${sha}`;
}
