/**
 * Which token goes to which pull-request host, in the editor (src/vscode/pullRequests/auth.ts): a token is
 * bound to a host, so a gitops-pilot.yaml that points the API elsewhere never receives it.
 */
import type { PullRequestTarget } from './host';

/** The host a token belongs to: the API's host and port (https://ghe.example.com/api/v3 -> ghe.example.com). */
export function tokenHost(target: Pick<PullRequestTarget, 'api'>): string {
  return new URL(target.api).host.toLowerCase();
}

/** The VS Code authentication provider that signs in to this host, when there is one. */
export function authProviderFor(target: Pick<PullRequestTarget, 'provider' | 'api' | 'webUrl'>, enterpriseUri: string | undefined): 'github' | 'github-enterprise' | undefined {
  if (target.provider !== 'github') return undefined;
  const web = new URL(target.webUrl).host.toLowerCase();
  if (web === 'github.com') return 'github';
  try {
    if (enterpriseUri && new URL(enterpriseUri).host.toLowerCase() === web) return 'github-enterprise';
  } catch {
    // not a URL: no enterprise sign-in
  }
  return undefined;
}

/**
 * A token from the editor's environment, bound to a host the way `gh` and `glab` bind them: GH_TOKEN /
 * GITHUB_TOKEN for github.com only, GH_ENTERPRISE_TOKEN / GITHUB_ENTERPRISE_TOKEN for the host GH_HOST
 * names, GITLAB_TOKEN for gitlab.com or the host GITLAB_HOST names. So a gitops-pilot.yaml pointing the
 * API elsewhere never gets it.
 */
export function environmentToken(target: Pick<PullRequestTarget, 'provider' | 'api' | 'webUrl'>, env: NodeJS.ProcessEnv): string | undefined {
  const web = new URL(target.webUrl).host.toLowerCase();
  const api = tokenHost(target);
  const named = (v: string | undefined) => {
    if (!v) return false;
    const h = v.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
    return h === web || h === api;
  };
  const first = (...names: string[]) => names.map((n) => env[n]?.trim()).find((v) => v);
  if (target.provider === 'github') {
    if (web === 'github.com') return first('GH_TOKEN', 'GITHUB_TOKEN');
    return named(env.GH_HOST) ? first('GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN') : undefined;
  }
  return web === 'gitlab.com' || named(env.GITLAB_HOST) ? first('GITLAB_TOKEN') : undefined;
}
