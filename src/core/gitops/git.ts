/**
 * The GitOps repository, through simple-git with argument arrays only. Every name that reaches git is
 * validated first (refs.ts); failures become PilotErrors that say what to do (gitProcess.ts, with the
 * process environment). A rebase this module starts is marked, so if the process dies mid-rebase the
 * next operation aborts it instead of leaving the repository stuck.
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { cancelled, inputError } from '../errors';
import type { Logger } from '../log';
import { errorText, isPushRejected, makeGit, translate } from './gitProcess';
import { checkBranchName, checkCommitId, checkRemoteName, checkRev } from './refs';

export { gitEnvironment, isPushRejected, translate } from './gitProcess';

export interface GitOptions {
  readonly gitPath?: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** kill a git process that prints nothing for this long (default 2 minutes) */
  readonly blockTimeoutMs?: number;
}

export interface FileCommit {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  /** ISO 8601 */
  readonly date: string;
  readonly subject: string;
  readonly body: string;
}

const MARKER = 'gitops-pilot-rebase';

/**
 * Where a folder's repository is (`--show-toplevel`, `--absolute-git-dir`): asked once per folder and
 * remembered while the git directory exists, so a deployment does not spawn git twice more each time
 * it opens the repository.
 */
const locations = new Map<string, { root: string; gitDir: string }>();

export class GitRepo {
  private constructor(
    readonly root: string,
    /** the repository's git directory (absolute) */
    readonly gitDir: string,
    private readonly git: SimpleGit,
    private readonly opts: GitOptions,
  ) {}

  static async open(dir: string, opts: GitOptions): Promise<GitRepo> {
    let where = locations.get(dir);
    if (!where || !existsSync(where.gitDir)) {
      const git = await makeGit(dir, opts);
      try {
        const [root, gitDir] = (await git.revparse(['--show-toplevel', '--absolute-git-dir'])).trim().split('\n');
        if (!root || !gitDir) throw new Error(`git rev-parse printed no repository for ${dir}`);
        where = { root, gitDir };
      } catch (err) {
        locations.delete(dir);
        throw translate(err, `${dir} is not inside a git repository`, 'git.notARepository', 'Clone the GitOps repository there (git clone …), or fix gitops.repo in gitops-pilot.yaml');
      }
      locations.set(dir, where);
    }
    return new GitRepo(where.root, where.gitDir, await makeGit(where.root, opts), opts);
  }

  /** `path` relative to the repository root, with forward slashes; refused when outside. */
  rel(path: string): string {
    const r = relative(this.root, isAbsolute(path) ? path : join(this.root, path));
    if (r.startsWith('..') || isAbsolute(r)) throw inputError('git.pathOutside', `${path} is outside the repository ${this.root}`);
    return r.split(sep).join('/');
  }

  async head(): Promise<string> {
    return (await this.run(() => this.git.revparse(['HEAD']), 'reading HEAD')).trim();
  }

  async resolve(ref: string): Promise<string | undefined> {
    try {
      return (await this.git.revparse(['--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Refuses to start while a rebase, merge, cherry-pick or revert is in progress — except one of our
   * own rebases left by a killed process, which is aborted (it only replays our own commits).
   */
  async ensureIdle(): Promise<void> {
    const rebasing = existsSync(join(this.gitDir, 'rebase-merge')) || existsSync(join(this.gitDir, 'rebase-apply'));
    if (rebasing && existsSync(join(this.gitDir, MARKER))) {
      this.opts.log.warn(`aborting a rebase GitOps Pilot left unfinished in ${this.root}`);
      await this.run(() => this.git.rebase(['--abort']), 'aborting an unfinished rebase');
      await rm(join(this.gitDir, MARKER), { force: true });
      return;
    }
    await rm(join(this.gitDir, MARKER), { force: true });
    const ops: [string, string][] = [
      ['rebase-merge', 'a rebase'],
      ['rebase-apply', 'a rebase or am'],
      ['MERGE_HEAD', 'a merge'],
      ['CHERRY_PICK_HEAD', 'a cherry-pick'],
      ['REVERT_HEAD', 'a revert'],
    ];
    for (const [file, what] of ops) {
      if (existsSync(join(this.gitDir, file))) {
        throw inputError('git.operationInProgress', `the GitOps repository ${this.root} is in the middle of ${what}`, {
          hint: 'Finish or abort it in a terminal (e.g. git rebase --abort), then try again',
        });
      }
    }
  }

  /** The checked-out branch; a detached HEAD is refused. */
  async currentBranch(): Promise<string> {
    const name = await this.symbolicBranch();
    if (name) return name;
    throw inputError('git.detachedHead', `the GitOps repository ${this.root} has a detached HEAD`, {
      hint: 'Check out the deployment branch (git switch main) and try again',
    });
  }

  async isDirty(path: string): Promise<boolean> {
    return (await this.fileState(path)).dirty;
  }

  /**
   * The checked-out branch (a detached HEAD is refused) and whether the file has uncommitted changes,
   * from one `git status`.
   */
  async fileState(path: string): Promise<{ branch: string; dirty: boolean }> {
    const rel = this.rel(path);
    const status = await this.run(() => this.git.status(['--', rel]), 'reading the status');
    if (status.detached || !status.current || status.current === 'HEAD') {
      throw inputError('git.detachedHead', `the GitOps repository ${this.root} has a detached HEAD`, {
        hint: 'Check out the deployment branch (git switch main) and try again',
      });
    }
    return { branch: status.current, dirty: status.files.some((f) => f.path === rel) };
  }

  /** The checked-out branch's short name; undefined on a detached HEAD (a CI checkout). */
  async symbolicBranch(): Promise<string | undefined> {
    try {
      return (await this.git.raw(['symbolic-ref', '--short', '-q', 'HEAD'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** A commit's id abbreviated to at least `length` hex digits (longer when that is ambiguous). */
  async shortId(commit: string, length = 7): Promise<string> {
    checkCommitId(commit);
    return (await this.run(() => this.git.revparse([`--short=${length}`, commit]), 'abbreviating a commit id')).trim();
  }

  /**
   * Changed, staged or untracked files (untracked ones listed one by one) under the given paths of the
   * repository (all of it when none), relative to the root; a rename gives its new path.
   */
  async changedFiles(paths: readonly string[] = []): Promise<string[]> {
    const specs = paths.length ? paths.map((p) => `:(top)${this.rel(p)}`) : [':(top)'];
    const status = await this.run(() => this.git.status(['--', ...specs]), 'reading the status');
    return status.files.map((f) => f.path);
  }

  /** Tags whose commit is an ancestor of (or is) `commit`, highest version first. */
  async mergedTags(commit: string): Promise<string[]> {
    checkCommitId(commit);
    const out = await this.run(() => this.git.raw(['tag', '--merged', commit, '--sort=-v:refname']), 'listing tags');
    return out.split('\n').map((t) => t.trim()).filter(Boolean);
  }

  /** How many commits `to` has that `from` has not. */
  async countSince(from: string, to: string): Promise<number> {
    const out = await this.run(() => this.git.raw(['rev-list', '--count', `${from}..${to}`, '--']), 'counting commits');
    return Number(out.trim());
  }

  async checkRemote(remote: string): Promise<void> {
    checkRemoteName(remote);
    const remotes = await this.run(() => this.git.getRemotes(false), 'listing remotes');
    if (!remotes.some((r) => r.name === remote)) {
      throw inputError('git.noRemote', `the GitOps repository has no remote "${remote}"`, {
        hint: remotes.length ? `Use one of: ${remotes.map((r) => r.name).join(', ')} (gitops.remote in gitops-pilot.yaml)` : 'Add one (git remote add origin <url>), or deploy with --no-push',
      });
    }
  }

  async fetch(remote: string, branch: string): Promise<void> {
    checkRemoteName(remote);
    checkBranchName(branch);
    await this.run(() => this.git.fetch(remote, branch), `fetching ${remote}/${branch}`);
  }

  /** Counts of commits only in `a` and only in `b`. */
  async aheadBehind(a: string, b: string): Promise<{ ahead: number; behind: number }> {
    const out = await this.run(() => this.git.raw(['rev-list', '--left-right', '--count', `${a}...${b}`]), 'comparing branches');
    const [ahead, behind] = out.trim().split(/\s+/).map(Number);
    return { ahead: ahead ?? 0, behind: behind ?? 0 };
  }

  async fastForward(to: string): Promise<void> {
    await this.run(() => this.git.merge(['--ff-only', to]), `fast-forwarding to ${to}`);
  }

  /**
   * Commits exactly these tracked paths as they are in the working tree (`commit --only` stages them
   * itself; other staged changes stay staged and uncommitted). Returns the sha.
   */
  async commitPaths(paths: readonly string[], message: string): Promise<string> {
    const rels = paths.map((p) => this.rel(p));
    // simple-git puts the paths before the options without a `--`: "./" keeps a path that starts with
    // "-" from being read as an option
    const r = await this.run(() => this.git.commit(message, rels.map((rel) => `./${rel}`), { '--only': null }), 'committing');
    // simple-git asks for full hashes (core.abbrev=40); read HEAD only if the summary had none
    return /^[0-9a-f]{40}$/.test(r.commit) ? r.commit : this.head();
  }

  /**
   * Pushes `ref` to `remote`'s `branch`. Returns 'rejected' when the remote moved (someone pushed
   * first); other failures throw with a next step. Never forces.
   */
  async push(remote: string, ref: string, branch: string): Promise<'pushed' | 'rejected'> {
    checkRemoteName(remote);
    checkBranchName(branch);
    try {
      await this.git.push(remote, `${ref}:refs/heads/${branch}`, { '--porcelain': null });
      return 'pushed';
    } catch (err) {
      const text = errorText(err);
      if (isPushRejected(text)) return 'rejected';
      throw translate(err, `pushing to ${remote}/${branch} failed`);
    }
  }

  // ---- for the pull-request push mode (src/core/pullRequests/pushBranch.ts) ----

  /**
   * Branches of `remote` git cannot hold beside `branch`: below it (`branch/…`) or one of its prefixes
   * (a branch `a/b` rules out `a/b/c`, and the other way round).
   */
  async conflictingRemoteBranches(remote: string, branch: string): Promise<string[]> {
    checkRemoteName(remote);
    checkBranchName(branch);
    const parts = branch.split('/');
    const prefixes = parts.slice(0, -1).map((_, i) => `refs/heads/${parts.slice(0, i + 1).join('/')}`);
    const out = await this.run(() => this.git.raw(['ls-remote', '--heads', remote, `refs/heads/${branch}/*`, ...prefixes]), `listing the branches of ${remote}`);
    return out.split('\n').map((l) => l.split('\t')[1]?.trim()).filter((r): r is string => !!r).map((r) => r.replace(/^refs\/heads\//, ''));
  }

  /** The URL of a remote, or undefined when it has none. */
  async remoteUrl(remote: string): Promise<string | undefined> {
    checkRemoteName(remote);
    const remotes = await this.run(() => this.git.getRemotes(true), 'listing remotes');
    return remotes.find((r) => r.name === remote)?.refs.push || undefined;
  }

  /** The best common ancestor of two commits (undefined when they share none). */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    checkRev(a);
    checkRev(b);
    return (await this.git.raw(['merge-base', a, b]).catch(() => '')).trim() || undefined;
  }

  /** A commit of `commit`'s tree with these parents (plumbing: the working tree and branches stay). */
  async commitTreeWith(commit: string, parents: readonly string[], message: string): Promise<string> {
    checkRev(commit);
    parents.forEach(checkRev);
    return (await this.run(() => this.git.raw(['commit-tree', `${commit}^{tree}`, ...parents.flatMap((p) => ['-p', p]), '-m', message]), 'making a commit')).trim();
  }

  /** Whether two commits hold the same tree. */
  async sameTree(a: string, b: string): Promise<boolean> {
    checkRev(a);
    checkRev(b);
    const out = await this.run(() => this.git.raw(['rev-parse', `${a}^{tree}`, `${b}^{tree}`]), 'reading trees');
    const [x, y] = out.trim().split('\n');
    return x === y;
  }

  /** Full messages of the commits in `from..to`, newest first. */
  async messagesBetween(from: string, to: string): Promise<string[]> {
    checkRev(from);
    checkRev(to);
    const out = await this.run(() => this.git.raw(['log', '--format=%B%x00', `${from}..${to}`]), 'reading commits');
    return out.split('\0').map((m) => m.trim()).filter(Boolean);
  }

  /** Rebases the current branch onto `upstream`; on conflict aborts and returns false (nothing half-done). */
  async rebaseOnto(upstream: string): Promise<boolean> {
    const marker = join(this.gitDir, MARKER);
    await writeFile(marker, `${process.pid}\n`);
    try {
      await this.git.rebase(['--autostash', upstream]);
      return true;
    } catch (err) {
      this.opts.log.debug(`rebase onto ${upstream} failed: ${errorText(err)}`);
      if (existsSync(join(this.gitDir, 'rebase-merge')) || existsSync(join(this.gitDir, 'rebase-apply'))) {
        await this.run(() => this.git.rebase(['--abort']), 'aborting the rebase');
      }
      return false;
    } finally {
      await rm(marker, { force: true });
    }
  }

  /** Moves the branch to `ref`, keeping uncommitted changes (refuses if they would be lost). */
  async resetKeep(ref: string): Promise<void> {
    await this.run(() => this.git.reset(['--keep', ref]), `resetting to ${ref}`);
  }

  /** The commits that changed `path`, newest first. */
  async fileHistory(path: string, max: number): Promise<FileCommit[]> {
    const rel = this.rel(path);
    const log = await this.run(
      () => this.git.log({ file: rel, maxCount: max, format: { sha: '%H', author: '%an', email: '%ae', date: '%aI', subject: '%s', body: '%b' } }),
      'reading the history',
    );
    return log.all.map((c) => ({ sha: c.sha, author: c.author, email: c.email, date: c.date, subject: c.subject, body: c.body }));
  }

  /** The file's content at a commit, or undefined when it did not exist there. */
  async showFile(commit: string, path: string): Promise<string | undefined> {
    const rel = this.rel(path);
    if (commit !== 'HEAD' && !/^[0-9a-f]{7,64}(\^)?$/.test(commit) && !/^refs\/remotes\/[\w./-]+$/.test(commit)) checkCommitId(commit);
    try {
      return await this.git.show([`${commit}:${rel}`]);
    } catch {
      return undefined;
    }
  }

  /** Paths a commit changed. */
  async changedPaths(commit: string): Promise<string[]> {
    checkCommitId(commit);
    const out = await this.run(() => this.git.raw(['diff-tree', '--no-commit-id', '--name-only', '-r', '--root', commit]), 'reading a commit');
    return out.split('\n').filter(Boolean);
  }

  /** `git revert --no-commit`; false (and the working tree restored) when it does not apply cleanly. */
  async revertNoCommit(commit: string): Promise<boolean> {
    checkCommitId(commit);
    try {
      await this.git.revert(commit, { '--no-commit': null });
      return true;
    } catch (err) {
      this.opts.log.debug(`revert of ${commit} did not apply: ${errorText(err)}`);
      if (existsSync(join(this.gitDir, 'REVERT_HEAD')) || existsSync(join(this.gitDir, 'sequencer'))) {
        await this.run(() => this.git.raw(['revert', '--abort']), 'aborting the revert');
      }
      return false;
    }
  }

  /** Undoes an uncommitted `revert --no-commit` of the given paths. */
  async restoreFromHead(paths: readonly string[]): Promise<void> {
    const rels = paths.map((p) => this.rel(p));
    await this.run(() => this.git.raw(['checkout', 'HEAD', '--', ...rels]), 'restoring files');
    if (existsSync(join(this.gitDir, 'REVERT_HEAD'))) await rm(join(this.gitDir, 'REVERT_HEAD'), { force: true });
  }

  private async run<T>(fn: () => Promise<T>, what: string): Promise<T> {
    if (this.opts.signal?.aborted) throw cancelled();
    try {
      return await fn();
    } catch (err) {
      if (this.opts.signal?.aborted) throw cancelled();
      throw translate(err, `${what} failed in ${this.root}`);
    }
  }
}
