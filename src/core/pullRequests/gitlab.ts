/** Promotion merge requests on GitLab (gitlab.com or self-managed) through @gitbeaker/rest, loaded lazily. */
import { missingScopeError, translatePullRequestError } from './errors';
import type { HostOptions } from './github';
import type { PullRequestTarget } from './host';
import type { PullRequest, PullRequestDraft, PullRequestHost, ReviewState } from './types';

/** GitLab's answer, snake_case as the API sends it (the client does not camelize unless asked). */
type Json = Record<string, any>;

export async function gitlabHost(target: PullRequestTarget, opts: HostOptions): Promise<PullRequestHost> {
  const { Gitlab } = await import('../../lazy/gitlab');
  const api = new Gitlab({ host: target.api, token: opts.token, queryTimeout: 60_000 });
  const project = target.repository;
  const call = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    if (opts.signal?.aborted) throw translatePullRequestError(Object.assign(new Error('aborted'), { name: 'AbortError' }), target, doing);
    try {
      return await fn();
    } catch (err) {
      throw translatePullRequestError(err, target, doing);
    }
  };

  async function view(iid: number): Promise<PullRequest> {
    const [mr, approvals] = (await Promise.all([
      api.MergeRequests.show(project, iid),
      api.MergeRequestApprovals.showConfiguration(project, { mergerequestIId: iid }).catch(() => undefined),
    ])) as [Json, Json | undefined];
    const pipeline = (mr.head_pipeline ?? mr.pipeline) as Json | null | undefined;
    const checks = { total: 0, passed: 0, failed: 0, pending: 0 };
    if (pipeline?.status) {
      checks.total = 1;
      if (pipeline.status === 'success') checks.passed = 1;
      else if (['failed', 'canceled'].includes(pipeline.status)) checks.failed = 1;
      else checks.pending = 1;
    }
    let review: ReviewState = 'none';
    if (approvals?.approved === true && (approvals.approved_by?.length ?? 0) > 0) review = 'approved';
    else if ((approvals?.approvals_left ?? 0) > 0 || (mr.reviewers?.length ?? 0) > 0) review = 'review-required';
    const detailed: string | undefined = mr.detailed_merge_status;
    const state = mr.state === 'merged' ? 'merged' : mr.state === 'opened' ? 'open' : 'closed';
    const mergeable = mr.has_conflicts ? false : detailed ? detailed === 'mergeable' : mr.merge_status === 'can_be_merged' ? true : mr.merge_status === 'cannot_be_merged' ? false : undefined;
    const blocked: Record<string, string> = { conflict: 'conflicts with the target branch', not_approved: 'needs approval', ci_must_pass: 'the pipeline must pass', draft_status: 'a draft', need_rebase: 'behind the target branch', discussions_not_resolved: 'open discussions' };
    return {
      provider: 'gitlab',
      number: mr.iid,
      url: mr.web_url,
      title: mr.title,
      state,
      draft: mr.draft ?? mr.work_in_progress ?? false,
      head: mr.source_branch,
      base: mr.target_branch,
      headSha: mr.sha,
      mergeable: state === 'open' ? mergeable : undefined,
      blocked: mr.has_conflicts ? blocked.conflict : detailed ? blocked[detailed] : undefined,
      checks,
      review,
      mergeCommit: mr.merge_commit_sha ?? undefined,
      closedBy: (mr.merged_by ?? mr.merge_user ?? mr.closed_by)?.username,
    };
  }

  async function reviewerIds(names: readonly string[] | undefined): Promise<number[] | undefined> {
    if (!names?.length) return undefined;
    const ids: number[] = [];
    for (const username of names) {
      const users = (await api.Users.all({ username })) as Json[];
      if (users[0]?.id !== undefined) ids.push(users[0].id);
      else opts.log.warn(`reviewer ${username} is not a user on ${target.api}; not asked`);
    }
    return ids;
  }

  return {
    provider: 'gitlab',
    check: () =>
      call(`reading ${project}`, async () => {
        await api.Projects.show(project);
        // a personal access token says its scopes (GitLab 15.5+; other tokens and older servers: left to the host)
        const self = (await api.PersonalAccessTokens.show().catch(() => undefined)) as Json | undefined;
        if (Array.isArray(self?.scopes) && !self.scopes.includes('api')) throw missingScopeError(target, self.scopes.join(', '), 'api');
      }),
    find: (head, base) =>
      call(`looking for the merge request from ${head}`, async () => {
        const list = (await api.MergeRequests.all({ projectId: project, sourceBranch: head, targetBranch: base, orderBy: 'created_at', sort: 'desc', perPage: 20, maxPages: 1 })) as Json[];
        const pick = list.find((m) => m.state === 'opened') ?? list[0];
        return pick ? view(pick.iid) : undefined;
      }),
    get: (iid) => call(`reading merge request !${iid}`, () => view(iid)),
    create: (d: PullRequestDraft) =>
      call(`opening a merge request from ${d.head}`, async () => {
        const title = d.draft ? `Draft: ${d.title}` : d.title;
        const mr = (await api.MergeRequests.create(project, d.head, d.base, title, {
          description: d.body,
          labels: d.labels?.length ? d.labels.join(',') : undefined,
          reviewerIds: await reviewerIds(d.reviewers),
          removeSourceBranch: true,
        })) as Json;
        return view(mr.iid);
      }),
    update: (iid, d) =>
      call(`updating merge request !${iid}`, async () => {
        await api.MergeRequests.edit(project, iid, {
          title: d.title,
          description: d.body,
          addLabels: d.labels?.length ? d.labels.join(',') : undefined,
          reviewerIds: await reviewerIds(d.reviewers),
        });
        return view(iid);
      }),
    merge: (iid, sha) =>
      call(`merging merge request !${iid}`, async () => {
        const mr = (await api.MergeRequests.accept(project, iid, { sha })) as Json;
        return { sha: mr.merge_commit_sha ?? undefined };
      }),
  };
}
