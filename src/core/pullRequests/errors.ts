/**
 * Failures of the GitHub / GitLab API as PilotErrors with a next step. Works on what both clients throw
 * (Octokit's RequestError: `status`, `response.headers`; gitbeaker's: `cause.response`), and on network
 * and TLS failures. Nothing of the request (its headers carry the token) reaches the message.
 */
import { PilotError, isCancelled, cancelled } from '../errors';
import { redact } from '../log';
import { label, tokenVariables, type Provider, type PullRequestTarget } from './host';

interface Failure {
  status?: number;
  scopes?: string;
  acceptedScopes?: string;
  apiMessage?: string;
  network?: string;
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** The parts of a client error that matter, whichever client threw it. */
export function describeFailure(err: unknown): Failure {
  const e = err as Record<string, any> | undefined;
  if (!e || typeof e !== 'object') return {};
  const response = e.response ?? e.cause?.response;
  const status: number | undefined = typeof e.status === 'number' ? e.status : typeof response?.status === 'number' ? response.status : undefined;
  const headers = response?.headers;
  let apiMessage: string | undefined;
  const data = response?.data ?? e.cause?.description;
  if (typeof data === 'string') apiMessage = data;
  else if (data && typeof data === 'object') {
    const errors = Array.isArray(data.errors) ? data.errors.map((x: any) => (typeof x === 'string' ? x : x?.message ?? x?.code)).filter(Boolean).join('; ') : '';
    apiMessage = [data.message, data.error, errors].filter((x) => typeof x === 'string' && x).join(': ') || undefined;
  }
  if (!apiMessage && status !== undefined && typeof e.message === 'string') apiMessage = e.message;
  const codes = [e.code, e.cause?.code, e.cause?.cause?.code].filter((c) => typeof c === 'string');
  const network = status === undefined ? (codes[0] as string | undefined) ?? (typeof e.message === 'string' && /fetch failed|certificate|ECONN|ENOTFOUND|socket/i.test(`${e.message} ${e.cause?.message ?? ''}`) ? `${e.message} ${e.cause?.message ?? ''}`.trim() : undefined) : undefined;
  return { status, scopes: headerOf(headers, 'x-oauth-scopes'), acceptedScopes: headerOf(headers, 'x-accepted-oauth-scopes'), apiMessage: apiMessage?.slice(0, 300), network };
}

const TLS = /CERT|certificate|self[- ]signed|UNABLE_TO_VERIFY|DEPTH_ZERO/i;

function forbiddenHint(p: Provider, tokenHelp: string): string {
  return p === 'github'
    ? 'Give the token the repo scope (classic) or Contents and Pull requests: write (fine-grained), then ' + tokenHelp
    : 'Give the token the api scope and at least the Developer role in the project, then ' + tokenHelp;
}

function tokenHelpFor(p: Provider): string {
  return `set ${tokenVariables(p).join(' or ')} for the command line, or run "GitOps Pilot: Set Pull Request Token…" in the editor`;
}

/**
 * Checked before anything is pushed: a token without the scope to open pull requests (a classic GitHub
 * token lists its scopes in X-OAuth-Scopes, a GitLab personal access token at /personal_access_tokens/self).
 * Fine-grained and other tokens say nothing and are left to the host.
 */
export function missingScopeError(target: Pick<PullRequestTarget, 'provider' | 'repository'>, have: string, need: string): PilotError {
  return new PilotError('pr.forbidden', `the ${label(target.provider)} token may not open ${target.provider === 'github' ? 'pull' : 'merge'} requests in ${target.repository} (the token has scopes: ${have || 'none'}; this needs: ${need})`, {
    hint: `${forbiddenHint(target.provider, tokenHelpFor(target.provider))}. Nothing was pushed`,
  });
}

/** What went wrong while `doing` something with the pull request host, and what to do next. */
export function translatePullRequestError(err: unknown, target: Pick<PullRequestTarget, 'provider' | 'api' | 'repository'>, doing: string): PilotError {
  if (err instanceof PilotError) return err;
  if (isCancelled(err)) return cancelled();
  const p: Provider = target.provider;
  const host = label(p);
  const f = describeFailure(err);
  const said = f.apiMessage ? ` (${host} said: ${redact(f.apiMessage)})` : '';
  const tokenHelp = tokenHelpFor(p);
  const mk = ({ code }: { code: string }, message: string, hint: string) => new PilotError(code, `${doing} failed: ${message}`, { hint, cause: err, detail: redact(String((err as Error)?.message ?? err)) });
  if (f.status === undefined) {
    const text = f.network ?? String((err as Error)?.message ?? err);
    if (TLS.test(text) || TLS.test(String((err as any)?.cause?.code ?? ''))) {
      return mk({ code: 'pr.tls' }, `the certificate of ${target.api} is not trusted`, 'For a private CA, point NODE_EXTRA_CA_CERTS at its certificate (PEM) and start again');
    }
    return mk({ code: 'pr.unreachable' }, `${target.api} cannot be reached (${redact(text).slice(0, 200)})`, `Check the network and gitops.pullRequests.api; the branch is pushed, so running the command again opens the ${p === 'github' ? 'pull' : 'merge'} request`);
  }
  switch (f.status) {
    case 401:
      return mk({ code: 'pr.unauthorized' }, `the ${host} token was rejected${said}`, `Use a valid token: ${tokenHelp}`);
    case 403: {
      if (/rate limit/i.test(f.apiMessage ?? '')) return mk({ code: 'pr.rateLimited' }, `${host} rate limit reached${said}`, 'Wait a few minutes and try again');
      const scopes = f.scopes !== undefined ? ` (the token has scopes: ${f.scopes || 'none'}${f.acceptedScopes ? `; this needs: ${f.acceptedScopes}` : ''})` : '';
      return mk({ code: 'pr.forbidden' }, `the token may not do this in ${target.repository}${scopes}${said}`, forbiddenHint(p, tokenHelp));
    }
    case 404:
      return mk({ code: 'pr.notFound' }, `${target.repository} was not found at ${target.api}, or the token cannot see it${said}`, 'Check gitops.pullRequests.repository and api in gitops-pilot.yaml, and that the token has access to the repository');
    case 405:
    case 406:
      return mk({ code: 'pr.notMergeable' }, `it cannot be merged now${said}`, 'Look at the pull request: it may need approvals, passing checks, or a rebase (promote again to rebuild the branch on the target)');
    case 409:
      return mk({ code: 'pr.headMoved' }, `the branch changed meanwhile${said}`, 'Refresh and look at the new commits before merging');
    case 422:
      return mk({ code: 'pr.rejected' }, `${host} refused the request${said}`, 'Check the labels, reviewers and branches named in gitops-pilot.yaml');
    default:
      if (f.status >= 500) return mk({ code: 'pr.serverError' }, `${host} answered ${f.status}${said}`, 'Try again in a moment');
      return mk({ code: 'pr.failed' }, `${host} answered ${f.status}${said}`, 'Check gitops.pullRequests in gitops-pilot.yaml and try again');
  }
}
