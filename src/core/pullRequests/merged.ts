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
  const remote = s.project.gitops.remote;
  const repo = await GitRepo.open(env.gitopsRoot, git);
  await repo.fetch(remote, s.base);
  const upstream = `refs/remotes/${remote}/${s.base}`;
  const commit = pr.mergeCommit ?? (await repo.resolve(upstream));
  const text = commit ? await repo.showFile(commit, env.file) : undefined;
  const declared = text !== undefined ? readDeclaredImage(text, env.file, env.locator) : undefined;
  const after: ImageRef = declared ? { repository: declared.repository ?? before.repository, tag: declared.tag, digest: declared.digest } : {};
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
  const result: OperationResult = { status: 'pushed', commit, pushedTo: s.base, remote, attempts: 1, message: pr.title, repoRoot: repo.root, env, before, after };
  return { result, localUpdated, ...(localNote ? { localNote } : {}) };
}
