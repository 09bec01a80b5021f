/**
 * The pull-request mode from end to end, for the CLI and the editor alike: before anything is written,
 * find the host and a token (bad input: nothing pushed); after the transaction pushed the promotion
 * branch, open its pull request or update the open one; then follow it (status, wait, merge).
 */
import type { Environment, Project } from '../config/model';
import { inputError, PilotError } from '../errors';
import { GitRepo, type GitOptions } from '../gitops/git';
import { environmentHistory } from '../gitops/history';
import { parseTrailers, type ImageRef } from '../gitops/message';
import type { OperationResult } from '../gitops/operations';
import type { ImagesCommitResult } from '../release/commitImages';
import { registerSecret, type Logger } from '../log';
import { delay } from '../util/time';
import { fileDiff, promotionBranchName, pullRequestBody, pullRequestSummary, pullRequestTitle } from './content';
import { githubHost } from './github';
import { gitlabHost } from './gitlab';
import { label, parseRemoteUrl, resolveTarget, tokenVariables, type Provider, type PullRequestTarget } from './host';
import type { PullRequest, PullRequestHost } from './types';

export interface PullRequestSession {
  readonly project: Project;
  readonly target: PullRequestTarget;
  readonly host: PullRequestHost;
  /** the branch promotions merge into */
  readonly base: string;
}

export interface ConnectOptions {
  readonly git: GitOptions;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** the token for this host: environment variables in the CLI, VS Code's auth or SecretStorage in the editor */
  token(target: PullRequestTarget): Promise<string | undefined>;
  /** how the user sets a token, for the error when there is none */
  readonly tokenHint?: (p: Provider) => string;
}

/** The host, repository and token for a project's pull requests. Throws an input error (nothing written) when one is missing. */
export async function connectPullRequests(project: Project, o: ConnectOptions): Promise<PullRequestSession> {
  const repo = await GitRepo.open(project.gitopsRoot, o.git);
  const target = await pullRequestTarget(project, o.git, repo);
  const token = (await o.token(target))?.trim();
  if (!token) {
    throw inputError('pr.noToken', `no ${label(target.provider)} token to open the ${target.provider === 'github' ? 'pull' : 'merge'} request in ${target.repository}`, {
      hint: o.tokenHint?.(target.provider) ?? `Set ${tokenVariables(target.provider).join(' or ')} (a token that may push and open ${target.provider === 'github' ? 'pull' : 'merge'} requests)`,
    });
  }
  registerSecret(token);
  const hostOpts = { token, log: o.log, signal: o.signal };
  const host = target.provider === 'github' ? await githubHost(target, hostOpts) : await gitlabHost(target, hostOpts);
  await host.check();
  const base = project.gitops.branch ?? (await repo.currentBranch());
  return { project, target, host, base };
}

/** Where a project's pull requests go (config, else the GitOps clone's remote URL); an input error when neither says. */
export async function pullRequestTarget(project: Project, git: GitOptions, repo?: GitRepo): Promise<PullRequestTarget> {
  const r = repo ?? (await GitRepo.open(project.gitopsRoot, git));
  const remote = project.gitops.remote;
  return resolveTarget(project.gitops.pullRequests, await r.remoteUrl(remote), remote);
}

/** The projects' environments that change only through a pull request. */
export function pullRequestEnvironments<T extends { readonly env: Environment }>(entries: readonly T[]): T[] {
  return entries.filter((e) => e.env.pushMode === 'pull-request');
}

export interface PromotionOutcome {
  readonly pullRequest: PullRequest;
  readonly action: 'opened' | 'updated';
  /** the earlier one, when it had been closed without merging */
  readonly closedBefore?: PullRequest;
}

/** A promotion commit the transaction pushed to its promotion branch: one environment (of one app), or a release. */
interface PushedPromotion {
  readonly envName: string;
  readonly app?: string;
  readonly release: boolean;
  readonly commit: string;
  readonly pushedTo: string;
  readonly message: string;
  readonly moves: readonly { readonly env: Environment; readonly before: ImageRef; readonly after: ImageRef }[];
}

/** Opens the environment's promotion pull request, or updates the open one, after the transaction pushed its branch. */
export function openOrUpdatePullRequest(s: PullRequestSession, result: OperationResult, o: { git: GitOptions; draft?: boolean }): Promise<PromotionOutcome> {
  if (result.status !== 'pushed' || !result.commit || !result.pushedTo) throw new PilotError('pr.notPushed', `${result.env.name}: nothing was pushed, so no pull request was opened`);
  const env = result.env;
  return openOrUpdate(s, { envName: env.name, app: env.app, release: false, commit: result.commit, pushedTo: result.pushedTo, message: result.message ?? '', moves: [{ env, before: result.before, after: result.after }] }, o);
}

/** The same for a release (several apps of `envName`, default: the environments it edits, in one commit): one pull request from gitops-pilot/<env>/_release. */
export function openOrUpdateReleasePullRequest(s: PullRequestSession, r: ImagesCommitResult, envName: string | undefined, o: { git: GitOptions; draft?: boolean }): Promise<PromotionOutcome> {
  envName ??= [...new Set(r.edits.map((e) => e.env.name))].join(',');
  if (r.status !== 'pushed' || !r.commit || !r.pushedTo || !r.edits.length) throw new PilotError('pr.notPushed', `${envName}: nothing was pushed, so no pull request was opened`);
  return openOrUpdate(s, { envName, release: true, commit: r.commit, pushedTo: r.pushedTo, message: r.message ?? '', moves: r.edits }, o);
}

async function openOrUpdate(s: PullRequestSession, p: PushedPromotion, o: { git: GitOptions; draft?: boolean }): Promise<PromotionOutcome> {
  const first = p.moves[0]!;
  const repo = await GitRepo.open(first.env.gitopsRoot, o.git);
  const trailers = parseTrailers(p.message);
  const baseRef = `refs/remotes/${s.project.gitops.remote}/${s.base}`;
  const diffs = await Promise.all(p.moves.map(async (m) => fileDiff(m.env.relFile, (await repo.showFile(baseRef, m.env.file)) ?? '', (await repo.showFile(p.commit, m.env.file)) ?? '')));
  const promotedFrom = trailers['Promoted-From'];
  // the source environment's deployment commit: of the same app (a release's sources are many: no single link)
  const from = promotedFrom && !p.release ? s.project.environments.find((e) => e.id === promotedFrom || (e.name === promotedFrom && e.app === p.app)) : undefined;
  const sourceDeployCommit = from ? (await environmentHistory(from, o.git, 1).catch(() => []))[0]?.sha : undefined;
  const sourceCommit = trailers['Source-Commit'];
  const body = pullRequestBody({
    env: p.envName,
    branch: p.pushedTo,
    app: p.app,
    changes: p.release ? p.moves.map((m) => ({ app: m.env.app ?? m.env.name, file: m.env.relFile, before: m.before, after: m.after })) : undefined,
    file: first.env.relFile,
    message: p.message,
    before: first.before,
    after: first.after,
    base: s.base,
    promotedFrom,
    sourceDeployCommit,
    sourceCommit,
    sourceCommitUrl: sourceCommit ? await appCommitUrl(s, sourceCommit, o.git) : undefined,
    diff: diffs.filter(Boolean).join('\n'),
    target: s.target,
  });
  const cfg = s.project.gitops.pullRequests;
  const draft = { head: p.pushedTo, base: s.base, title: pullRequestTitle(p.message), body, labels: cfg?.labels, reviewers: cfg?.reviewers, draft: o.draft ?? cfg?.draft };
  const existing = await s.host.find(p.pushedTo, s.base);
  if (existing?.state === 'open') return { pullRequest: await s.host.update(existing.number, draft), action: 'updated' };
  const pullRequest = await s.host.create(draft);
  return { pullRequest, action: 'opened', closedBefore: existing?.state === 'closed' ? existing : undefined };
}

/** The page of an application commit, when the app repository's origin is on the same host. */
async function appCommitUrl(s: PullRequestSession, sha: string, git: GitOptions): Promise<string | undefined> {
  if (!/^[0-9a-f]{7,64}$/.test(sha) || s.project.root === s.project.gitopsRoot) return undefined;
  try {
    const remote = parseRemoteUrl((await (await GitRepo.open(s.project.root, git)).remoteUrl('origin')) ?? '');
    const web = new URL(s.target.webUrl);
    if (!remote || remote.host !== web.host) return undefined;
    return `${web.origin}/${remote.path}${s.target.provider === 'gitlab' ? '/-' : ''}/commit/${sha}`;
  } catch {
    return undefined;
  }
}

/** The environment's promotion pull request (the open one, else the newest), or undefined; per app with several apps. */
export function findPromotion(s: PullRequestSession, env: Environment): Promise<PullRequest | undefined> {
  return s.host.find(promotionBranchName(env.name, { app: env.app }), s.base);
}

/** The pull request of the releases (several apps in one commit) to the environment named `envName`. */
export function findReleasePromotion(s: PullRequestSession, envName: string): Promise<PullRequest | undefined> {
  return s.host.find(promotionBranchName(envName, { release: true }), s.base);
}

/** One line for a pull request: `PR #42 · 2/2 checks ✓ · approved`. */
export function describePullRequest(pr: PullRequest): string {
  return pullRequestSummary(pr);
}

/**
 * Follows a pull request until it is merged or closed, reporting each change. `sleep` is injectable so
 * tests and the editor decide how time passes; cancellation through the signal.
 */
export async function waitForPullRequest(
  s: PullRequestSession,
  number: number,
  o: { intervalMs: number; signal?: AbortSignal; onChange?: (pr: PullRequest) => void; sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; deadline?: () => boolean },
): Promise<PullRequest> {
  const sleep = o.sleep ?? delay;
  let last = '';
  for (;;) {
    const pr = await s.host.get(number);
    const line = `${pullRequestSummary(pr)} ${pr.headSha}`;
    if (line !== last) o.onChange?.(pr);
    last = line;
    if (pr.state !== 'open' || o.deadline?.()) return pr;
    await sleep(o.intervalMs, o.signal);
  }
}

/** Merges the pull request as the user saw it (its head commit), refusing when the host says it cannot be merged. */
export async function mergePullRequest(s: PullRequestSession, pr: PullRequest): Promise<PullRequest> {
  if (pr.state !== 'open') throw inputError('pr.notOpen', `${pullRequestSummary(pr)}: it is ${pr.state}${pr.closedBy ? ` (by ${pr.closedBy})` : ''}, so there is nothing to merge`, { hint: pr.state === 'closed' ? 'Promote again to open a new one' : 'Nothing to do' });
  if (pr.mergeable === false) {
    throw inputError('pr.notMergeable', `${pullRequestSummary(pr)} cannot be merged: ${pr.blocked ?? 'the host says it is not mergeable'}`, {
      hint: pr.blocked?.includes('conflict') || pr.blocked?.includes('behind') ? 'Promote again: GitOps Pilot rebuilds its branch on the target' : `Open it (${pr.url}) and see what it waits for`,
    });
  }
  await s.host.merge(pr.number, pr.headSha);
  return s.host.get(pr.number);
}

/** The error for a pull request someone closed without merging: it says who, and what to do. */
export function closedError(pr: PullRequest): PilotError {
  return new PilotError('pr.closed', `${pullRequestSummary(pr)} was closed without merging${pr.closedBy ? ` by ${pr.closedBy}` : ''}: ${pr.url}`, {
    hint: 'Nothing was deployed. Promote again to open a new pull request, or reopen it on the host',
  });
}
