/**
 * The push step of the pull-request mode: the deployment commit (made on the target branch by the
 * transaction) goes to the environment's one promotion branch (`gitops-pilot/<env>`, per app or release with
 * several apps: content.ts promotionBranchName), and every push is a
 * fast-forward (nothing is ever forced):
 *   - no such branch yet, or it is already merged into the target: the commit is pushed as it is;
 *   - the branch holds the target's tip: a commit with the new content is added on top;
 *   - the target moved since: a merge of the target into the branch, with the new content (what GitHub's
 *     "Update branch" does), but only when every commit on the branch is GitOps Pilot's own (the
 *     Deployed-By trailer): someone else's commits are never overwritten; that case is refused with a next step.
 */
import { PilotError } from '../errors';
import type { GitRepo } from '../gitops/git';
import { parseTrailers } from '../gitops/message';

export interface PromotionPush {
  readonly branch: string;
  /** the commit the promotion branch now points at */
  readonly commit: string;
  /** false when the branch already had exactly this content */
  readonly changed: boolean;
}

export async function pushPromotionBranch(
  repo: GitRepo,
  o: { remote: string; base: string; branch: string; commit: string; message: string; progress: (m: string) => void },
): Promise<PromotionPush> {
  const branch = o.branch;
  let tip: string | undefined;
  try {
    await repo.fetch(o.remote, branch);
    tip = await repo.resolve(`refs/remotes/${o.remote}/${branch}`);
  } catch (err) {
    if (!(err instanceof PilotError) || !/couldn't find remote ref|not found/i.test(err.detail ?? '')) throw err;
  }
  const target = (await repo.resolve(`refs/remotes/${o.remote}/${o.base}`)) ?? (await repo.resolve(`${o.commit}~1`))!;
  const push = async (commit: string, what: string): Promise<PromotionPush> => {
    o.progress(`${what}: pushing ${commit.slice(0, 7)} to ${o.remote}/${branch}`);
    const r = await repo.push(o.remote, commit, branch).catch((err: unknown) => {
      if (err instanceof PilotError && err.code === 'git.protectedBranch') {
        throw new PilotError('pr.branchProtected', `${o.remote} refused the promotion branch ${branch} (a protected branch or hook)`, {
          hint: `Allow pushes to gitops-pilot/* for the account GitOps Pilot pushes with, then promote again`,
          detail: err.detail,
        });
      }
      throw err;
    });
    if (r === 'rejected') {
      const clash = await repo.conflictingRemoteBranches(o.remote, branch).catch(() => []);
      if (clash.length) {
        throw new PilotError('pr.branchNameTaken', `${o.remote} cannot hold the promotion branch ${branch} beside ${clash.slice(0, 3).join(', ')}${clash.length > 3 ? ` and ${clash.length - 3} more` : ''} (git allows no branch inside another's name)`, {
          hint: `Delete ${clash.length === 1 ? 'that branch' : 'those branches'} on ${o.remote} (git push ${o.remote} --delete ${clash[0]}${clash.length > 1 ? ' …' : ''}) once merged or no longer needed (left by the branch push mode, or by promotions before the project had several apps), then promote again`,
        });
      }
      throw new PilotError('pr.branchMoved', `${o.remote}/${branch} changed while it was being updated (someone pushed to it)`, {
        hint: 'Look at the branch and its pull request, then promote again; nothing was forced',
      });
    }
    return { branch, commit, changed: true };
  };
  const base = tip ? await repo.mergeBase(tip, target) : undefined;
  if (!tip || base === tip) return push(o.commit, tip ? `${branch} was merged already; a new promotion` : `a new branch`);
  if (await repo.sameTree(tip, o.commit)) {
    o.progress(`${o.remote}/${branch} already holds this change`);
    return { branch, commit: tip, changed: false };
  }
  if (base === target) return push(await repo.commitTreeWith(o.commit, [tip], o.message), `updating ${branch}`);
  const foreign = (await repo.messagesBetween(target, tip)).filter((m) => parseTrailers(m)['Deployed-By'] !== 'GitOps Pilot');
  if (foreign.length) {
    throw new PilotError('pr.foreignCommits', `${o.remote}/${branch} is behind ${o.base} and has ${foreign.length} commit(s) not made by GitOps Pilot (first: "${foreign[0]!.split('\n')[0]}"), so it is left as it is`, {
      hint: `Rebase ${branch} onto ${o.base} yourself (or merge ${o.base} into it) and push it, or merge or close its pull request; then promote again`,
    });
  }
  return push(await repo.commitTreeWith(o.commit, [tip, target], o.message), `${o.base} moved since the last promotion; merging it into ${branch}`);
}
