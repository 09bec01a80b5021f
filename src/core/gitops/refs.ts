/** Validation of names that reach git's command line: branches, remotes, revisions. */
import { inputError } from '../errors';

/**
 * git check-ref-format rules for a branch name, plus: never starting with `-` (it would be read as an
 * option, e.g. `--upload-pack=...`).
 */
export function checkBranchName(name: string, what = 'branch'): string {
  const problem = branchProblem(name);
  if (problem) {
    throw inputError('git.badRefName', `${what} name ${JSON.stringify(name)} is not allowed: ${problem}`, {
      hint: `Use a plain ${what} name such as main or release/1.2`,
    });
  }
  return name;
}

function branchProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.startsWith('-')) return 'it starts with "-"';
  if (name === '@') return 'it is "@"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  if (name.includes('//') || name.startsWith('/') || name.endsWith('/')) return 'it has an empty path component';
  if (name.endsWith('.') || name.endsWith('.lock')) return 'it ends with "." or ".lock"';
  if (name.split('/').some((c) => c.startsWith('.'))) return 'a component starts with "."';
  return undefined;
}

export function checkRemoteName(name: string): string {
  const problem = branchProblem(name) ?? (name.includes('/') ? 'it contains "/"' : undefined);
  if (problem) {
    throw inputError('git.badRemoteName', `remote name ${JSON.stringify(name)} is not allowed: ${problem}`, { hint: 'Use a remote name such as origin' });
  }
  return name;
}

/** A full or abbreviated commit id (what history rows and CLI flags pass around). */
export function checkCommitId(id: string): string {
  if (!/^[0-9a-f]{7,64}$/.test(id)) throw inputError('git.badCommit', `${JSON.stringify(id)} is not a commit id`, { hint: 'Pass a commit SHA (7 to 64 hex characters)' });
  return id;
}

/** A branch name for the pull-request push mode: gitops-pilot/<env>/<tag>, made safe. */
export function deployBranchName(env: string, tag: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').replace(/\.{2,}/g, '.').replace(/\.lock$/, '-lock') || 'x';
  return checkBranchName(`gitops-pilot/${clean(env)}/${clean(tag)}`);
}

/** A commit id or a remote-tracking ref (what the pull-request plumbing passes to git). */
export function checkRev(rev: string): void {
  if (/^[0-9a-f]{7,64}$/.test(rev)) return;
  const m = /^refs\/remotes\/([^/]+)\/(.+)$/.exec(rev);
  if (m) {
    checkRemoteName(m[1]!);
    checkBranchName(m[2]!);
    return;
  }
  checkCommitId(rev);
}
