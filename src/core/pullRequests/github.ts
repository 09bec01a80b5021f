/** Promotion pull requests on GitHub (github.com or Enterprise) through @octokit/rest, loaded lazily. */
import type { Logger } from '../log';
import { missingScopeError, translatePullRequestError } from './errors';
import type { PullRequestTarget } from './host';
import type { PullRequest, PullRequestDraft, PullRequestHost, ReviewState } from './types';

type Octokit = InstanceType<typeof import('../../lazy/github').Octokit>;

export interface HostOptions {
  readonly token: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

export async function githubHost(target: PullRequestTarget, opts: HostOptions): Promise<PullRequestHost> {
  const { Octokit } = await import('../../lazy/github');
  const octokit: Octokit = new Octokit({
    auth: opts.token,
    baseUrl: target.api,
    userAgent: 'gitops-pilot',
    // the client's own messages (deprecations, retries) go to our log, which redacts
    log: { debug: (m: string) => opts.log.debug(m), info: (m: string) => opts.log.debug(m), warn: (m: string) => opts.log.warn(m), error: (m: string) => opts.log.debug(m) },
    request: { signal: opts.signal },
  });
  const [owner, repo] = target.repository.split('/') as [string, string];
  const call = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw translatePullRequestError(err, target, doing);
    }
  };

  async function view(number: number): Promise<PullRequest> {
    const { data: pr } = await octokit.pulls.get({ owner, repo, pull_number: number });
    const sha = pr.head.sha;
    const [status, runs, reviews] = await Promise.all([
      octokit.repos.getCombinedStatusForRef({ owner, repo, ref: sha }).then((r) => r.data.statuses),
      octokit.checks.listForRef({ owner, repo, ref: sha }).then((r) => r.data.check_runs),
      octokit.pulls.listReviews({ owner, repo, pull_number: number, per_page: 100 }).then((r) => r.data),
    ]);
    const checks = { total: 0, passed: 0, failed: 0, pending: 0 };
    for (const s of status) {
      checks.total++;
      if (s.state === 'success') checks.passed++;
      else if (s.state === 'pending') checks.pending++;
      else checks.failed++;
    }
    for (const r of runs) {
      checks.total++;
      if (r.status !== 'completed') checks.pending++;
      else if (r.conclusion === 'success' || r.conclusion === 'neutral' || r.conclusion === 'skipped') checks.passed++;
      else checks.failed++;
    }
    const latest = new Map<string, string>();
    for (const r of reviews) if (r.user && (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED' || r.state === 'DISMISSED')) latest.set(r.user.login, r.state);
    const states = [...latest.values()];
    let review: ReviewState = 'none';
    if (states.includes('CHANGES_REQUESTED')) review = 'changes-requested';
    else if (states.includes('APPROVED')) review = 'approved';
    else if ((pr.requested_reviewers?.length ?? 0) > 0 || pr.mergeable_state === 'blocked') review = 'review-required';
    const state = pr.merged ? 'merged' : pr.state === 'open' ? 'open' : 'closed';
    let closedBy = pr.merged_by?.login;
    if (state === 'closed') closedBy = (await octokit.issues.get({ owner, repo, issue_number: number }).catch(() => undefined))?.data.closed_by?.login;
    const blocked: Record<string, string> = { dirty: 'conflicts with the target branch', blocked: 'blocked by branch protection (reviews or checks)', behind: 'behind the target branch', draft: 'a draft', unstable: 'checks failing' };
    return {
      provider: 'github',
      number: pr.number,
      url: pr.html_url,
      title: pr.title,
      state,
      draft: pr.draft ?? false,
      head: pr.head.ref,
      base: pr.base.ref,
      headSha: sha,
      mergeable: pr.mergeable === null ? undefined : pr.mergeable && pr.mergeable_state !== 'blocked' && pr.mergeable_state !== 'draft',
      blocked: blocked[pr.mergeable_state],
      checks,
      review,
      mergeCommit: pr.merged ? (pr.merge_commit_sha ?? undefined) : undefined,
      closedBy,
    };
  }

  async function labelAndAsk(number: number, d: PullRequestDraft): Promise<void> {
    if (d.labels?.length) await octokit.issues.addLabels({ owner, repo, issue_number: number, labels: [...d.labels] });
    if (d.reviewers?.length) await octokit.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers: [...d.reviewers] });
  }

  return {
    provider: 'github',
    check: () =>
      call(`reading ${target.repository}`, async () => {
        const { data, headers } = await octokit.repos.get({ owner, repo });
        // a classic token lists its scopes: without repo (public_repo for a public repository) GitHub refuses the pull request after the push
        const scopes = headers['x-oauth-scopes'];
        if (typeof scopes === 'string') {
          const list = scopes.split(',').map((x) => x.trim());
          if (!list.includes('repo') && !(list.includes('public_repo') && !data.private)) throw missingScopeError(target, list.filter(Boolean).join(', '), data.private ? 'repo' : 'repo or public_repo');
        }
        if (data.permissions && !data.permissions.push) opts.log.warn(`the token may not push to ${target.repository}: opening pull requests may fail`);
      }),
    find: (head, base) =>
      call(`looking for the pull request from ${head}`, async () => {
        const { data } = await octokit.pulls.list({ owner, repo, head: `${owner}:${head}`, base, state: 'all', sort: 'created', direction: 'desc', per_page: 20 });
        const pick = data.find((p) => p.state === 'open') ?? data[0];
        return pick ? view(pick.number) : undefined;
      }),
    get: (number) => call(`reading pull request #${number}`, () => view(number)),
    create: (d) =>
      call(`opening a pull request from ${d.head}`, async () => {
        const { data } = await octokit.pulls.create({ owner, repo, head: d.head, base: d.base, title: d.title, body: d.body, draft: d.draft ?? false, maintainer_can_modify: false });
        await labelAndAsk(data.number, d);
        return view(data.number);
      }),
    update: (number, d) =>
      call(`updating pull request #${number}`, async () => {
        await octokit.pulls.update({ owner, repo, pull_number: number, title: d.title, body: d.body });
        await labelAndAsk(number, d);
        return view(number);
      }),
    merge: (number, sha) =>
      call(`merging pull request #${number}`, async () => {
        const { data } = await octokit.pulls.merge({ owner, repo, pull_number: number, sha, merge_method: 'merge' });
        return { sha: data.sha };
      }),
  };
}
