/**
 * After a promotion pull request was merged: the deployment is on the remote's target branch now, so the
 * local clone catches up (fetch, and a fast-forward when it is on that branch and has nothing of its own),
 * and the merge is described as the deployment it is (what the Argo CD refresh and the rollout watch take).
 */
import type { Environment } from '../config/model';
import { PilotError } from '../errors';
import { GitRepo, type GitOptions } from '../gitops/git';
import type { ImageRef } from '../gitops/message';
import type { OperationResult } from '../gitops/operations';
import { readDeclaredImage } from '../gitops/readImage';
import type { PullRequestSession } from './flow';
import type { PullRequest } from './types';

export interface MergedDeployment {
  /** the deployment as if pushed to the target branch: the merge commit, the image it declares */
  readonly result: OperationResult;
  /** whether the local clone was fast-forwarded to it (else it says why not) */
  readonly localUpdated: boolean;
  readonly localNote?: string;
}

export async function mergedDeployment(s: PullRequestSession, env: Environment, pr: PullRequest, before: ImageRef, git: GitOptions): Promise<MergedDeployment> {
  if (pr.state !== 'merged') throw new PilotError('pr.notMerged', `${env.name}: the pull request is ${pr.state}, not merged`);
  const { repo, commit, remote, localUpdated, localNote } = await catchUp(s, env.gitopsRoot, pr, git);
  const after = (await declaredAt(repo, commit, env, before.repository)) ?? {};
  const result: OperationResult = { status: 'pushed', commit, pushedTo: s.base, remote, attempts: 1, message: pr.title, repoRoot: repo.root, env, before, after };
  return { result, localUpdated, ...(localNote ? { localNote } : {}) };
}

export interface MergedRelease {
  /** one deployment per app the merge moved (its image at the merge differs from the one before it) */
  readonly results: readonly OperationResult[];
  readonly localUpdated: boolean;
  readonly localNote?: string;
}

/**
 * The same after a release's pull request (several apps in one commit) was merged: one fetch and catch-up,
 * then each app whose image the merge changed — before: what the target declared just before the merge (its
 * first parent), else what the caller last read — as its own deployment, for the after-deploy hooks and the
 * status bar's release indicator (`prod 2/3`).
 */
export async function mergedRelease(s: PullRequestSession, apps: readonly { readonly env: Environment; readonly before: ImageRef }[], pr: PullRequest, git: GitOptions): Promise<MergedRelease> {
  if (pr.state !== 'merged') throw new PilotError('pr.notMerged', `the release pull request #${pr.number} is ${pr.state}, not merged`);
  if (!apps.length) return { results: [], localUpdated: false };
  const { repo, commit, remote, localUpdated, localNote } = await catchUp(s, apps[0]!.env.gitopsRoot, pr, git);
  const results: OperationResult[] = [];
  for (const { env, before: known } of apps) {
    const before = (await declaredAt(repo, commit && `${commit}^`, env, known.repository)) ?? known;
    const after = await declaredAt(repo, commit, env, before.repository);
    if (!after || (after.tag === before.tag && after.digest === before.digest && after.repository === before.repository)) continue;
    results.push({ status: 'pushed', commit, pushedTo: s.base, remote, attempts: 1, message: pr.title, repoRoot: repo.root, env, before, after });
  }
  return { results, localUpdated, ...(localNote ? { localNote } : {}) };
}

/** The image a file declares at a commit (the repository from `repository` when the file names none); undefined when it cannot be read. */
async function declaredAt(repo: GitRepo, commit: string | undefined, env: Environment, repository: string | undefined): Promise<ImageRef | undefined> {
  const text = commit ? await repo.showFile(commit, env.file).catch(() => undefined) : undefined;
  if (text === undefined) return undefined;
  try {
    const d = readDeclaredImage(text, env.file, env.locator);
    return { repository: d.repository ?? repository, tag: d.tag, digest: d.digest };
  } catch {
    return undefined;
  }
}

/** Fetches the target branch and fast-forwards the clone when it is on it with nothing of its own; the merge commit. */
async function catchUp(s: PullRequestSession, gitopsRoot: string, pr: PullRequest, git: GitOptions) {
  const remote = s.project.gitops.remote;
  const repo = await GitRepo.open(gitopsRoot, git);
  await repo.fetch(remote, s.base);
  const upstream = `refs/remotes/${remote}/${s.base}`;
  const commit = pr.mergeCommit ?? (await repo.resolve(upstream));
  let localUpdated = false;
  let localNote: string | undefined;
  const branch = await repo.symbolicBranch();
  if (branch !== s.base) localNote = `the clone is on ${branch ?? 'a detached HEAD'}, not ${s.base}: pull ${s.base} to see the deployment`;
  else {
    const { ahead, behind } = await repo.aheadBehind('HEAD', upstream);
    if (ahead) localNote = `${s.base} has ${ahead} local commit(s) not on ${remote}: pull (rebase) to see the deployment`;
    else if (behind) {
      try {
        await repo.fastForward(upstream);
        localUpdated = true;
      } catch (err) {
        localNote = `could not fast-forward ${s.base} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): pull it to see the deployment`;
      }
    }
  }
  return { repo, commit, remote, localUpdated, localNote };
}
