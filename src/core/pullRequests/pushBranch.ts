/**
 * The push step of the pull-request mode: the deployment commit (made on the target branch by the
 * transaction) goes to the environment's one promotion branch, `gitops-pilot/<env>`.
 *   - no such branch yet: pushed as it is;
 *   - the branch already holds the target's tip: a commit with the new content is added on top (a plain
 *     fast-forward push, so the open pull request simply updates);
 *   - the target moved since: the branch is rebuilt on the target (force-with-lease), but only when every
 *     commit on it is GitOps Pilot's own (the Deployed-By trailer); anyone else's commits are never dropped.
 */
import { PilotError } from '../errors';
import type { GitRepo } from '../gitops/git';
import { parseTrailers } from '../gitops/message';
import { promotionBranchName } from './content';

export interface PromotionPush {
  readonly branch: string;
  /** the commit the promotion branch now points at */
  readonly commit: string;
  /** false when the branch already had exactly this content */
  readonly changed: boolean;
}

export async function pushPromotionBranch(
  repo: GitRepo,
  o: { remote: string; base: string; envId: string; commit: string; message: string; progress: (m: string) => void },
): Promise<PromotionPush> {
  const branch = promotionBranchName(o.envId);
  const tracking = `refs/remotes/${o.remote}/${branch}`;
  let tip: string | undefined;
  try {
    await repo.fetch(o.remote, branch);
    tip = await repo.resolve(tracking);
  } catch (err) {
    if (!(err instanceof PilotError) || !/couldn't find remote ref|not found/i.test(err.detail ?? '')) throw err;
  }
  if (!tip) {
    o.progress(`pushing ${o.commit.slice(0, 7)} to a new branch ${o.remote}/${branch}`);
    if ((await repo.push(o.remote, o.commit, branch)) === 'rejected') throw moved(o.remote, branch);
    return { branch, commit: o.commit, changed: true };
  }
  const target = (await repo.resolve(`refs/remotes/${o.remote}/${o.base}`)) ?? (await repo.resolve(`${o.commit}~1`))!;
  if ((await repo.mergeBase(tip, target)) === target) {
    if (await repo.sameTree(tip, o.commit)) {
      o.progress(`${o.remote}/${branch} already holds this change`);
      return { branch, commit: tip, changed: false };
    }
    const next = await repo.commitTreeOnto(o.commit, tip, o.message);
    o.progress(`updating ${o.remote}/${branch} with ${next.slice(0, 7)}`);
    if ((await repo.push(o.remote, next, branch)) === 'rejected') throw moved(o.remote, branch);
    return { branch, commit: next, changed: true };
  }
  const foreign = (await repo.messagesBetween(target, tip)).filter((m) => parseTrailers(m)['Deployed-By'] !== 'GitOps Pilot');
  if (foreign.length) {
    throw new PilotError('pr.foreignCommits', `${o.remote}/${branch} is behind ${o.base} and has ${foreign.length} commit(s) not made by GitOps Pilot (first: "${foreign[0]!.split('\n')[0]}"), so it is not rebuilt`, {
      hint: `Rebase ${branch} onto ${o.base} yourself (git fetch && git rebase ${o.remote}/${o.base}) and push it, or merge or close its pull request; then promote again`,
    });
  }
  o.progress(`${o.base} moved since the last promotion: rebuilding ${o.remote}/${branch} on it (it holds only GitOps Pilot's commits)`);
  if ((await repo.pushReplacing(o.remote, o.commit, branch, tip)) === 'rejected') throw moved(o.remote, branch);
  return { branch, commit: o.commit, changed: true };
}

function moved(remote: string, branch: string): PilotError {
  return new PilotError('pr.branchMoved', `${remote}/${branch} changed while it was being updated (someone pushed to it), or the remote refused the update`, {
    hint: 'Look at the branch and its pull request, then promote again; nothing was forced',
  });
}
