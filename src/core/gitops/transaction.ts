/**
 * One GitOps change as a git transaction: check the clone is safe to use, catch up with the remote,
 * apply the change to the file, commit exactly that file, push — and when someone pushed first, fetch,
 * rebase (or reset to the remote and apply the change again), and retry with jittered backoff.
 * Never force-pushes; never leaves a rebase half-done; a failed push keeps the local commit and says
 * how to finish by hand.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cancelled, inputError, PilotError } from '../errors';
import type { Logger } from '../log';
import { GitRepo, type GitOptions } from './git';
import { checkBranchName, deployBranchName } from './refs';
import { delay } from '../util/time';
import { promotionBranchName, type PromotionScope } from '../pullRequests/content';
import { pushPromotionBranch } from '../pullRequests/pushBranch';

export interface AppliedChange {
  /** false when the file already had the requested content: nothing to commit */
  readonly changed: boolean;
  /** the commit message for what was applied (it may differ per attempt: the "from" side can move) */
  readonly message: string;
}

export interface TransactionRequest {
  /** absolute path of the one file this change edits */
  readonly file: string;
  /** issue 15: further files the same change edits (a release of several apps): committed together, all clean first */
  readonly files?: readonly string[];
  /** a folder of the repository holding the file, when the caller already opened it (default: the file's folder) */
  readonly repoDir?: string;
  /**
   * Work that needs no git and changes nothing on disk (reading the file, editing it in memory, asking the
   * registry): runs while git reads the status, before anything is applied. Its error wins over git's.
   */
  prepare?(): Promise<void>;
  /** applies the change to the working tree; called again after a reset to the remote */
  apply(attempt: number): Promise<AppliedChange>;
  /** the environment and tag, for the pull-request branch name; the app or release for the promotion branch of several apps */
  readonly branchHint: { env: string; tag: string } & PromotionScope;
  /**
   * Whether a dirty working copy of the file is exactly this change applied to HEAD's version: an earlier
   * run was killed after writing the file and before committing it. Such a file is continued, not refused.
   */
  isOwnChange?(working: string, head: string): boolean;
  /**
   * When the remote moved, start again from its version and apply again rather than rebase (when our commit
   * is the only local one). For a change whose message describes each of its edits (a release: one Image:
   * trailer per app): a clean rebase can silently drop an edit someone else already pushed, leaving the
   * message claiming it.
   */
  readonly reapplyWhenMoved?: boolean;
}

export interface TransactionOptions {
  readonly git: GitOptions;
  /** the deployment branch (default: the checked-out branch) */
  readonly branch?: string;
  readonly remote: string;
  /** false: commit locally only; pull-request: the environment's promotion branch (src/core/pullRequests) */
  readonly push: false | 'direct' | 'branch' | 'pull-request';
  readonly retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  readonly onProgress?: (message: string) => void;
  /** for tests: deterministic jitter */
  readonly random?: () => number;
}

export interface TransactionResult {
  readonly status: 'pushed' | 'committed' | 'unchanged';
  readonly commit?: string;
  /** the remote branch it was pushed to (the deployment branch, or the pull-request branch) */
  readonly pushedTo?: string;
  readonly remote?: string;
  readonly attempts: number;
  readonly message?: string;
  readonly repoRoot: string;
}

const locks = new Map<string, Promise<unknown>>();

/** Serialises transactions on the same clone within this process (git's index.lock guards across processes). */
async function withRepoLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(root) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  locks.set(root, next);
  try {
    return await next;
  } finally {
    if (locks.get(root) === next) locks.delete(root);
  }
}

export async function runTransaction(req: TransactionRequest, opts: TransactionOptions): Promise<TransactionResult> {
  const repo = await GitRepo.open(req.repoDir ?? dirname(req.file), opts.git);
  return withRepoLock(repo.root, () => transact(repo, req, opts));
}

async function transact(repo: GitRepo, req: TransactionRequest, opts: TransactionOptions): Promise<TransactionResult> {
  const log: Logger = opts.git.log;
  const progress = (m: string) => {
    log.info(m);
    opts.onProgress?.(m);
  };
  const signal = opts.git.signal;
  const check = () => {
    if (signal?.aborted) throw cancelled();
  };
  await repo.ensureIdle();
  const [prepared, state] = await Promise.allSettled([req.prepare?.(), repo.fileState(req.file)]);
  if (prepared.status === 'rejected') throw prepared.reason;
  if (state.status === 'rejected') throw state.reason;
  const { branch, dirty } = state.value;
  if (opts.branch !== undefined && checkBranchName(opts.branch) !== branch) {
    throw inputError('git.wrongBranch', `the GitOps clone ${repo.root} has "${branch}" checked out, but deployments go to "${opts.branch}"`, {
      hint: `Switch to it (git switch ${opts.branch}) and try again`,
    });
  }
  const rel = repo.rel(req.file);
  if (dirty) {
    const head = await repo.showFile('HEAD', req.file);
    const working = await readFile(req.file, 'utf8').catch(() => undefined);
    if (head === undefined || working === undefined || !req.isOwnChange?.(working, head)) {
      throw inputError('git.fileDirty', `${rel} has uncommitted changes`, { hint: 'Commit, stash or discard them first, so the deployment commit holds only the new image' });
    }
    // nothing but this very change is in the file: put HEAD's version back and apply it again below
    progress(`${rel} holds this change uncommitted (an interrupted run); continuing it`);
    await repo.restoreFromHead([req.file]);
  }
  for (const f of req.files ?? []) {
    if (await repo.isDirty(f)) {
      throw inputError('git.fileDirty', `${repo.rel(f)} has uncommitted changes`, { hint: 'Commit, stash or discard them first, so the deployment commit holds only the new images' });
    }
  }
  const paths = [req.file, ...(req.files ?? [])];
  const upstream = `refs/remotes/${opts.remote}/${branch}`;
  if (opts.push) {
    await repo.checkRemote(opts.remote);
    check();
    progress(`fetching ${opts.remote}/${branch}`);
    await repo.fetch(opts.remote, branch).catch((err: unknown) => {
      // a remote without the branch yet is fine (first push creates it)
      if (!(err instanceof PilotError) || !/couldn't find remote ref|not found/i.test(err.detail ?? '')) throw err;
    });
    if (await repo.resolve(upstream)) {
      const { ahead, behind } = await repo.aheadBehind('HEAD', upstream);
      if (behind > 0 && ahead === 0) {
        progress(`fast-forwarding ${branch} to ${opts.remote}/${branch} (${behind} new commit${behind === 1 ? '' : 's'})`);
        await repo.fastForward(upstream);
      }
    }
  }
  check();
  const first = await req.apply(1);
  let commit: string;
  let message: string | undefined;
  if (first.changed) {
    commit = await repo.commitPaths(paths, first.message);
    message = first.message;
    progress(`committed ${commit.slice(0, 7)}: ${message.split('\n')[0]}`);
    if (!opts.push) return { status: 'committed', commit, attempts: 0, message, repoRoot: repo.root };
  } else {
    // The file already has the change. If it is committed but not pushed yet (an earlier run was
    // interrupted between commit and push, or ran with --no-push), pushing it now is what finishes the
    // deployment; otherwise there is nothing to do.
    const unpushed = opts.push && opts.push === 'direct' && (await repo.resolve(upstream)) ? (await repo.aheadBehind('HEAD', upstream)).ahead : 0;
    if (!unpushed) return { status: 'unchanged', attempts: 0, repoRoot: repo.root };
    commit = await repo.head();
    progress(`${rel} already has the change; pushing ${unpushed} local commit${unpushed === 1 ? '' : 's'} that ${unpushed === 1 ? 'was' : 'were'} not pushed yet`);
  }

  if (opts.push === 'branch') return pushToNewBranch(repo, req, opts, branch, commit, message, progress);
  if (opts.push === 'pull-request') {
    try {
      const r = await pushPromotionBranch(repo, { remote: opts.remote, base: branch, branch: promotionBranchName(req.branchHint.env, req.branchHint), commit, message: message ?? (await repo.messagesBetween(`${commit}~1`, commit))[0] ?? '', progress });
      return { status: 'pushed', commit: r.commit, pushedTo: r.branch, remote: opts.remote, attempts: 1, message, repoRoot: repo.root };
    } finally {
      // the change lives on the promotion branch; the local deployment branch goes back to where it was
      await repo.resetKeep(`${commit}~1`);
    }
  }

  const attempts = Math.max(1, opts.retry?.attempts ?? 8);
  const base = opts.retry?.baseDelayMs ?? 250;
  const max = opts.retry?.maxDelayMs ?? 4000;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    check();
    progress(`pushing to ${opts.remote}/${branch}${attempt > 1 ? ` (attempt ${attempt} of ${attempts})` : ''}`);
    const r = await repo.push(opts.remote, 'HEAD', branch);
    if (r === 'pushed') {
      progress(`pushed ${commit.slice(0, 7)} to ${opts.remote}/${branch}`);
      return { status: 'pushed', commit, pushedTo: branch, remote: opts.remote, attempts: attempt, message, repoRoot: repo.root };
    }
    if (attempt === attempts) break;
    const wait = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + random());
    log.info(`${opts.remote}/${branch} moved (someone pushed first); retrying in ${Math.round(wait)} ms`);
    await delay(wait, signal);
    await repo.fetch(opts.remote, branch);
    const reapply = req.reapplyWhenMoved === true && (await repo.aheadBehind('HEAD', upstream)).ahead === 1;
    if (!reapply && (await repo.rebaseOnto(upstream))) {
      const { ahead } = await repo.aheadBehind('HEAD', upstream);
      if (ahead === 0) {
        // the same change is already on the remote (our commit became empty and was dropped)
        progress(`${rel} already has this change on ${opts.remote}/${branch}`);
        return { status: 'unchanged', attempts: attempt, repoRoot: repo.root };
      }
      commit = await repo.head();
      continue;
    }
    // the rebase conflicted (the same line changed upstream), or the change asks to be applied again:
    // start again from the remote's version, but only when our commit is the only local one — other
    // local commits are never dropped
    const { ahead } = await repo.aheadBehind('HEAD', upstream);
    if (ahead !== 1) {
      throw new PilotError('git.conflict', `${rel} changed on ${opts.remote}/${branch} in a way that conflicts with ${ahead} local commit(s); your commit ${commit.slice(0, 7)} is kept locally`, {
        hint: `In ${repo.root}: git pull --rebase, resolve the conflict, then git push`,
      });
    }
    await repo.resetKeep(upstream);
    const again = await req.apply(attempt + 1);
    if (!again.changed) {
      progress(`${rel} already has this change on ${opts.remote}/${branch}`);
      return { status: 'unchanged', attempts: attempt, repoRoot: repo.root };
    }
    commit = await repo.commitPaths(paths, again.message);
    message = again.message;
  }
  throw new PilotError('git.pushRetriesExhausted', `${opts.remote}/${branch} kept moving: gave up after ${attempts} push attempts; your commit ${commit.slice(0, 7)} is kept locally`, {
    hint: `In ${repo.root}: git pull --rebase && git push`,
  });
}

/** Pull-request flow: push the commit to gitops-pilot/<env>/<tag> and leave the local branch as it was. */
async function pushToNewBranch(
  repo: GitRepo,
  req: TransactionRequest,
  opts: TransactionOptions,
  branch: string,
  commit: string,
  message: string | undefined,
  progress: (m: string) => void,
): Promise<TransactionResult> {
  const baseName = deployBranchName(req.branchHint.env, req.branchHint.tag);
  try {
    for (let n = 1; n <= 20; n++) {
      const name = n === 1 ? baseName : `${baseName}-${n}`;
      progress(`pushing to a new branch ${opts.remote}/${name}`);
      if ((await repo.push(opts.remote, commit, name)) === 'pushed') {
        progress(`pushed ${commit.slice(0, 7)} to ${opts.remote}/${name}: open a pull request into ${branch}`);
        return { status: 'pushed', commit, pushedTo: name, remote: opts.remote, attempts: n, message, repoRoot: repo.root };
      }
    }
    throw new PilotError('git.branchTaken', `branches ${baseName}…-20 already exist on ${opts.remote}`, { hint: 'Delete old deployment branches on the remote, then try again' });
  } finally {
    // the change lives on the pull-request branch; the local deployment branch goes back to where it was
    await repo.resetKeep(`${commit}~1`);
  }
}
